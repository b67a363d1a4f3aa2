/**
 * Retries from the console: retry_sms_messages (operators and up, audited, idempotent under
 * concurrent calls, never to an opted-out number) and sms_retry_check (viewers and up), for
 * every role; the error-code rule against the catalogue of @sms/twilio-service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { ERROR_CATALOGUE } from '@sms/twilio-service';
import { RETRY_REASONS } from '../../src/lib/console/retry-reasons.ts';
import { nextPhone, phoneValues, sqlState } from './fixtures.ts';
import { sealedPhone } from '@sms/db/testing';
import { asRole, createWorkspaces, ROLE_NAMES, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

interface Result {
	retried: number;
	skipped: { reason: string; count: number }[];
	retries: { id: string; retry_id: string }[];
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 12 });
	w = await createWorkspaces(t.sql, 'retry');
});
afterAll(async () => t?.close());

/** A text to a new contact of the workspace, in the given status and error. */
async function optOut(e164: string): Promise<void> {
	const s = sealedPhone(e164);
	await t.sql`insert into public.sms_phone_opt_outs (phone_enc, phone_hash, phone_last4, opted_out, opted_out_at, source)
		values (${s.enc}, ${s.hash}, ${s.last4}, true, now(), 'keyword')`;
}

async function text(o: { org?: string; status?: string; error?: number | null; phone?: string } = {}): Promise<string> {
	const org = o.org ?? w.a;
	const phone = o.phone ?? nextPhone();
	const [c] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${org}, 'Pat', ${phoneValues(t.sql, phone)})
		on conflict (organization_id, phone_hash) do update set name = excluded.name returning id`;
	const [m] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code)
		values (${org}, ${c!.id}, ${phoneValues(t.sql, phone)}, 'Doors open at 7', ${o.status ?? 'failed'}, ${o.error === undefined ? 30003 : o.error})
		returning id`;
	return m!.id;
}

const retry = (role: RoleName, ids: string[], dryRun = false, org = w.a) =>
	asRole(t, w, role, (tx) => tx<{ r: Result }[]>`select public.retry_sms_messages(${org}, ${ids}::uuid[], ${dryRun}) as r`).then((x) => x[0]!.r);

const retriesOf = async (id: string) =>
	(await t.sql<{ id: string; status: string; message_content: string }[]>`
		select id, status, message_content from public.sms_messages where retry_of = ${id}`);

describe('retry_sms_messages: who may retry', () => {
	it('owners, admins and operators retry; viewers, other workspaces and strangers are refused in SQL; anon cannot call it', async () => {
		const expected: Record<RoleName, string> = {
			owner: 'retried', admin: 'retried', operator: 'retried',
			viewer: 'WS001', other_member: 'WS001', non_member: 'WS001', anon: '42501'
		};
		const got: Record<string, string> = {};
		for (const role of ROLE_NAMES) {
			const id = await text();
			try {
				const r = await tryAsRole(t, w, role, (tx) => tx<{ r: Result }[]>`select public.retry_sms_messages(${w.a}, ${[id]}::uuid[]) as r`);
				got[role] = r[0]!.r.retried === 1 ? 'retried' : JSON.stringify(r[0]!.r);
			} catch (e) {
				got[role] = (e as { code?: string }).code ?? 'thrown';
			}
			// Rolled back either way: nothing was queued by anyone.
			expect(await retriesOf(id)).toEqual([]);
		}
		expect(got).toEqual(expected);
	});

	it("another workspace's owner cannot retry workspace A's texts by naming their own workspace", async () => {
		const id = await text();
		const r = await retry('other_member', [id], false, w.b);
		expect(r).toMatchObject({ retried: 0, skipped: [{ reason: 'not_found', count: 1 }] });
		expect(await retriesOf(id)).toEqual([]);
	});
});

describe('retry_sms_messages: what is retried', () => {
	it('queues a new text with the same content, linked to the failed one, with its job, and audits the call', async () => {
		const id = await text();
		const r = await asRole(t, w, 'operator', async (tx) => {
			await tx`select set_config('request.client_ip', '203.0.113.5', true)`;
			return (await tx<{ r: Result }[]>`select public.retry_sms_messages(${w.a}, ${[id]}::uuid[]) as r`)[0]!.r;
		});
		expect(r.retried).toBe(1);
		expect(r.skipped).toEqual([]);
		const [retryRow] = await retriesOf(id);
		expect(retryRow).toMatchObject({ status: 'pending', message_content: 'Doors open at 7' });
		expect(r.retries).toEqual([{ id, retry_id: retryRow!.id }]);
		const [job] = await t.sql`select j.status from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id where m.id = ${retryRow!.id}`;
		expect(job).toMatchObject({ status: 'pending' });
		const [orig] = await t.sql`select status from public.sms_messages where id = ${id}`;
		expect(orig).toMatchObject({ status: 'failed' });
		const audit = await t.sql`select actor_id, action, target_id, host(ip) as ip, after from public.audit_log where action = 'sms_message.retried' and target_id = ${id}`;
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({ actor_id: w.people.operator.id, ip: '203.0.113.5', after: { retried: 1, requested: 1 } });
	});

	it('skips what must not be retried, grouped by reason, and retries the rest in one call', async () => {
		const optedOutPhone = nextPhone();
		await optOut(optedOutPhone);
		const ok1 = await text({ error: 30003 });
		const ok2 = await text({ status: 'undelivered', error: null });
		const account = await text({ error: 21408 }); // our set-up: retryable once it is fixed
		const optedOut = await text({ phone: optedOutPhone, error: 30003 });
		const stop = await text({ error: 21610 });
		const unknown1 = await text({ error: 21211 });
		const unknown2 = await text({ error: 30005 });
		const landline = await text({ error: 21614 });
		const content = await text({ error: 30007 });
		const delivered = await text({ status: 'delivered', error: null });
		const elsewhere = await text({ org: w.b });
		const already = await text();
		await retry('operator', [already]);

		const all = [ok1, ok2, account, optedOut, stop, unknown1, unknown2, landline, content, delivered, elsewhere, already];
		const preview = await retry('operator', all, true);
		const r = await retry('operator', all);
		const expected = [
			{ reason: 'opted_out', count: 2 },
			{ reason: 'unknown_number', count: 2 },
			{ reason: 'already_retried', count: 1 },
			{ reason: 'content_refused', count: 1 },
			{ reason: 'landline', count: 1 },
			{ reason: 'not_failed', count: 1 },
			{ reason: 'not_found', count: 1 }
		];
		expect(preview).toEqual({ retried: 3, skipped: expected, retries: [] });
		expect(r.retried).toBe(3);
		expect(r.skipped).toEqual(expected);
		expect(r.retries.map((x) => x.id).sort()).toEqual([ok1, ok2, account].sort());
		// The console words every reason the database gives.
		for (const { reason } of r.skipped) expect(Object.keys(RETRY_REASONS)).toContain(reason);
		for (const id of [optedOut, stop, unknown1, unknown2, landline, content, delivered, elsewhere]) expect(await retriesOf(id)).toEqual([]);
		expect(await retriesOf(already)).toHaveLength(1);
	});

	it('a dry run writes nothing: no text, no job, no audit row', async () => {
		const id = await text();
		const [before] = await t.sql<{ m: number; a: number }[]>`select (select count(*)::int from public.sms_messages) as m, (select count(*)::int from public.audit_log) as a`;
		expect(await retry('operator', [id], true)).toEqual({ retried: 1, skipped: [], retries: [] });
		const [after] = await t.sql<{ m: number; a: number }[]>`select (select count(*)::int from public.sms_messages) as m, (select count(*)::int from public.audit_log) as a`;
		expect(after).toEqual(before);
	});

	it('two concurrent calls (a double click) make one retry', async () => {
		for (let round = 0; round < 3; round++) {
			const ids = [await text(), await text(), await text()];
			const results = await Promise.all([retry('operator', ids), retry('admin', [...ids].reverse()), retry('owner', [ids[1]!])]);
			expect(results.reduce((n, r) => n + r.retried, 0)).toBe(3);
			for (const id of ids) expect(await retriesOf(id)).toHaveLength(1);
		}
	});

	it('a text opted out after its failure is never retried, not even through the service-only retry_sms_message', async () => {
		const phone = nextPhone();
		const id = await text({ phone });
		await optOut(phone);
		expect(await retry('owner', [id])).toMatchObject({ retried: 0, skipped: [{ reason: 'opted_out', count: 1 }] });
		expect(await sqlState(() => t.db.asService((tx) => tx`select public.retry_sms_message(${id})`))).toBe('SM014');
		expect(await retriesOf(id)).toEqual([]);
	});

	it('refuses more than 10,000 texts in one call', async () => {
		const ids = Array.from({ length: 10_001 }, () => crypto.randomUUID());
		expect(await sqlState(() => retry('operator', ids))).toBe('SM016');
	});
});

describe('sms_retry_check', () => {
	it('tells viewers and up which texts can be retried and why not; others are refused', async () => {
		const ok = await text();
		const landline = await text({ error: 30006 });
		const elsewhere = await text({ org: w.b });
		for (const role of ROLE_NAMES) {
			const run = () => asRole(t, w, role, (tx) => tx<{ message_id: string; reason: string | null }[]>`
				select * from public.sms_retry_check(${w.a}, ${[ok, landline, elsewhere]}::uuid[]) order by reason nulls first`);
			if (['owner', 'admin', 'operator', 'viewer'].includes(role)) {
				expect(await run(), role).toEqual([{ message_id: ok, reason: null }, { message_id: landline, reason: 'landline' }]);
			} else {
				expect(await sqlState(run), role).toBe(role === 'anon' ? '42501' : 'WS001');
			}
		}
	});
});

describe('the error-code rule', () => {
	it('has one home: internal.sms_error_retry_class classes every catalogue code as the catalogue does', async () => {
		const codes = Object.keys(ERROR_CATALOGUE).map(Number);
		const rows = await t.sql<{ code: number | null; class: string | null }[]>`
			select c as code, internal.sms_error_retry_class(c) as class from unnest(${[...codes, 12345, null]}::int[]) c`;
		const reasons = ['unknown_number', 'landline', 'opted_out', 'unreachable_number', 'blocked_number', 'content_refused'];
		for (const { code, class: cls } of rows) {
			const entry = code === null ? undefined : ERROR_CATALOGUE[code];
			const want = !entry ? null : entry.retryable ? 'transient' : entry.scope === 'number' || entry.scope === 'content' ? 'a reason' : 'setup';
			expect({ code, class: cls !== null && reasons.includes(cls) ? 'a reason' : cls }).toEqual({ code, class: want });
		}
		// The console's and the campaigns' questions are both answered from it.
		const [both] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from unnest(${codes}::int[]) c
			where internal.sms_error_retryable(c) <> (internal.sms_error_retry_class(c) = 'transient')
				or internal.sms_retry_block_for_error(c) is distinct from
					(case when internal.sms_error_retry_class(c) not in ('transient', 'setup') then internal.sms_error_retry_class(c) end)`;
		expect(both!.n).toBe(0);
	});

	it('blocks exactly the catalogue codes that are not retryable and condemn the number or the content', async () => {
		const codes = Object.keys(ERROR_CATALOGUE).map(Number);
		const rows = await t.sql<{ code: number; reason: string | null }[]>`
			select c as code, internal.sms_retry_block_for_error(c) as reason from unnest(${[...codes, 12345]}::int[]) c`;
		for (const { code, reason } of rows) {
			const entry = ERROR_CATALOGUE[code];
			const blocked = entry ? !entry.retryable && (entry.scope === 'number' || entry.scope === 'content') : false;
			expect({ code, blocked: reason !== null }).toEqual({ code, blocked });
		}
		const [{ reason }] = await t.sql`select internal.sms_retry_block_for_error(null) as reason`;
		expect(reason).toBeNull();
	});
});
