/**
 * "Retry all retryable failures in this view": the view's own filters choose the texts (the
 * message list's where clause), one SQL call retries them, a dry run writes nothing.
 */
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessageFilters } from './message-filters.ts';
import { retryCheck, retryView } from './retry.ts';

let t: TestDatabase;
let org: string;
let operator: string;
let viewer: string;
const ids: Record<string, string> = {};
/** A number's four sealed columns, as values for `(…, phone_enc, phone_hash, phone_last4, calling_code, …)`. */
const ph = (e164: string) => {
	const p = phoneColumns(e164);
	return t.sql`${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}`;
};

async function text(label: string, name: string, phone: string, status: string, error: number | null) {
	const [c] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${org}, ${name}, ${ph(phone)})
		on conflict (organization_id, phone_hash) do update set name = excluded.name returning id`;
	const [m] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code)
		values (${org}, ${c!.id}, ${ph(phone)}, ${label}, ${status}, ${error}) returning id`;
	ids[label] = m!.id;
}

const view = (params: Record<string, string>) => parseMessageFilters(new URLSearchParams(params), { timeZone: 'UTC', defaultCountry: 'US' });
const asOperator = <T>(fn: Parameters<typeof t.db.asUser<T>>[1]) => t.db.asUser({ sub: operator, role: 'authenticated' }, fn);

beforeAll(async () => {
	t = await createTestDatabase();
	operator = await createUser(t.sql);
	viewer = await createUser(t.sql);
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('retry-view', 'Retry view') returning id`;
	org = o!.id;
	await t.sql`select public.add_organization_member(${org}, ${operator}, 'owner')`;
	await t.sql`select public.add_organization_member(${org}, ${viewer}, 'viewer')`;
	await text('ann-failed', 'Ann Lee', '+14155550101', 'failed', 30003);
	await text('ann-landline', 'Ann Lee', '+14155550101', 'undelivered', 30006);
	await text('bob-failed', 'Bob Ray', '+14155550202', 'failed', 30008);
	await text('bob-delivered', 'Bob Ray', '+14155550202', 'delivered', null);
});
afterAll(async () => t?.close());

describe('retryView', () => {
	it("retries only the view's failures (here: one person's), after a dry run that wrote nothing", async () => {
		const preview = await asOperator((tx) => retryView(tx, org, view({ q: 'ann' }), true));
		expect(preview).toMatchObject({ retried: 1, skipped: [{ reason: 'landline', count: 1 }], retries: [], failed: { value: 2, exact: true } });
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where retry_of is not null`;
		expect(n).toBe(0);
		const done = await asOperator((tx) => retryView(tx, org, view({ q: 'ann' }), false));
		expect(done.retries.map((r) => r.id)).toEqual([ids['ann-failed']]);
		const check = await asOperator((tx) => retryCheck(tx, org, [ids['bob-failed']!, ids['ann-failed']!]));
		expect(Object.fromEntries(check)).toEqual({ [ids['bob-failed']!]: null, [ids['ann-failed']!]: 'already_retried' });
	});

	it('a view of delivered texts has nothing to retry; a viewer is refused', async () => {
		expect(await asOperator((tx) => retryView(tx, org, view({ verdict: 'delivered' }), false))).toMatchObject({ retried: 0, skipped: [] });
		await expect(t.db.asUser({ sub: viewer, role: 'authenticated' }, (tx) => retryView(tx, org, view({}), true))).rejects.toMatchObject({ code: 'WS001' });
	});
});
