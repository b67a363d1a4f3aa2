/**
 * The overview's rollups (20261202020000): SQL's latency buckets agree with the bounds the page
 * reads them with, every workspace write NOTIFYs 'sms_workspace', and only members read them.
 * That the sums equal the raw counts is the property test in sms-rollups.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { bucketLower, latencyBucket } from '../../src/lib/server/console/latency.ts';
import { phoneValues } from './fixtures.ts';
import { asRole, createWorkspaces, ROLE_NAMES, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'overview');
});
afterAll(() => t?.close());

/** Queues a text to a new contact of the workspace and takes it to `failed` with a code. */
async function failedText(org: string, phone: string, code: number): Promise<string> {
	const [c] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, 'Overview contact', ${phoneValues(t.sql, phone)}) returning id`;
	const [{ id }] = await t.sql<{ id: string }[]>`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
		p_message => 'hi', p_organization_id => ${org}::uuid, p_contact_id => ${c!.id}::uuid) as id`;
	await t.sql`select public.mark_sms_dispatching(${id})`;
	await t.sql`select public.mark_sms_failed(${id}, ${code}, 'Unreachable')`;
	return id;
}

describe('latency buckets', () => {
	it('SQL puts every time in the bucket whose bounds the page uses', async () => {
		const times = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 99, 100, 255, 256, 257, 1000, 1023, 1024, 1025, 4096, 65_535, 65_536,
			999_999, 1_048_576, 3_600_000, 86_400_000, 2 ** 31, 604_800_000];
		for (let b = 0; b < 240; b++) times.push(Math.ceil(bucketLower(b)), Math.ceil(bucketLower(b)) - 1);
		const rows = await t.sql<{ ms: string; b: number }[]>`
			select ms::text, internal.sms_latency_bucket(ms) as b from unnest(${times.filter((x) => x >= 0)}::bigint[]) ms`;
		for (const r of rows) {
			const ms = Math.max(Number(r.ms), 1);
			expect({ ms, b: r.b }).toEqual({ ms, b: latencyBucket(ms) });
			expect(bucketLower(r.b)).toBeLessThanOrEqual(ms);
			expect(bucketLower(r.b + 1)).toBeGreaterThan(ms);
		}
	});
});

describe('sms_workspace notifications', () => {
	it("every change to a workspace's texts notifies its id on commit, once per transaction", async () => {
		const got: string[] = [];
		const listener = await t.sql.listen('sms_workspace', (id) => got.push(id));
		const settle = async (n: number) => {
			const until = Date.now() + 3000;
			while (got.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
			await new Promise((r) => setTimeout(r, 200));
		};
		const id = await failedText(w.a, '+14155550991', 30003);
		// queue, dispatching and failed: three statements in three transactions.
		await settle(3);
		expect(got).toEqual([w.a, w.a, w.a]);
		got.length = 0;
		// Two statements in one transaction: one notification, sent on commit.
		await t.sql.begin(async (tx) => {
			await tx`update public.sms_messages set segments = 2 where id = ${id}`;
			await tx`update public.sms_messages set segments = 3 where id = ${id}`;
			await new Promise((r) => setTimeout(r, 200));
			expect(got).toEqual([]);
		});
		await settle(1);
		expect(got).toEqual([w.a]);
		await listener.unlisten();
	});
});

describe('overview rollups: who reads them', () => {
	beforeAll(async () => {
		await failedText(w.a, '+14155550992', 30005);
		await failedText(w.b, '+14155550993', 30006);
	});

	for (const role of ROLE_NAMES) {
		it(`${role} reads only their own workspace's failure, latency and overview rollups and overview, and writes none`, async () => {
			const seen = await asRole(t, w, role, (tx) =>
				tx<{ org: string }[]>`select distinct organization_id as org from public.sms_failure_rollups
					union select distinct organization_id from public.sms_latency_rollups
					union select distinct organization_id from public.sms_overview_rollups`
			).catch((e: { code?: string }) => e.code);
			const expected = { owner: [w.a], admin: [w.a], operator: [w.a], viewer: [w.a], other_member: [w.b], non_member: [], anon: '42501' }[role];
			expect(Array.isArray(seen) ? seen.map((r) => r.org) : seen).toEqual(expected);
			const write = await asRole(t, w, role, (tx) => tx`update public.sms_failure_rollups set messages = 0`).catch((e: { code?: string }) => e.code);
			expect(write).toBe('42501');
			const insert = await asRole(t, w, role, (tx) => tx`insert into public.sms_overview_rollups (organization_id, kind, bucket, messages)
				values (${w.a}, 'day', date_trunc('day', now(), 'UTC'), 1000)`).catch((e: { code?: string }) => e.code);
			expect(insert).toBe('42501');
			// workspace_overview() answers viewers and up of workspace A only.
			const answer = await asRole(t, w, role, (tx) =>
				tx<{ o: { failures: { code: number }[] } }[]>`select public.workspace_overview(${w.a}::uuid, now() - interval '1 day', now() + interval '1 hour', 'UTC') as o`
			).then((r) => r[0]!.o.failures.map((f) => f.code).sort(), (e: { code?: string }) => e.code);
			const want = { owner: [30003, 30005], admin: [30003, 30005], operator: [30003, 30005], viewer: [30003, 30005], other_member: 'WS001', non_member: 'WS001', anon: '42501' }[role];
			expect(answer).toEqual(want);
		});
	}
});
