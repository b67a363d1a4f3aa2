/**
 * Retention: after a workspace's N days a text's body becomes a marker that says so (verdict,
 * times, cost and events kept); raw provider payloads go after M days (default 90); texts not
 * yet done and other workspaces are untouched; only owners change the periods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, sqlError, phoneValues } from './fixtures.ts';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'ret');
});
afterAll(async () => {
	await t?.close();
});

async function text(org: string, status: string, daysAgo: number): Promise<string> {
	const [c] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, 'R', ${phoneValues(t.sql, `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`)}) returning id`;
	const [m] = await t.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, price, created_at, delivered_at)
		values (${org}, ${c.id}, ${phoneValues(t.sql, '+14155550100')}, 'Your code is 123456', ${status}, -0.0079, now() - make_interval(days => ${daysAgo}),
			case when ${status} = 'delivered' then now() - make_interval(days => ${daysAgo}) end) returning id`;
	await t.sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, payload, received_at)
		values (${m.id}, ${status}, ${status}, 'webhook', '{"MessageStatus":"delivered","To":"+14155550100"}', now() - make_interval(days => ${daysAgo}))`;
	return m.id as string;
}

const applyAll = async () => {
	let total = { bodies: 0, payloads: 0 };
	for (;;) {
		const [{ r }] = await t.sql`select public.apply_retention(2) as r`;
		const batch = r as { bodies: number; payloads: number };
		total = { bodies: total.bodies + batch.bodies, payloads: total.payloads + batch.payloads };
		if (batch.bodies === 0 && batch.payloads === 0) return total;
	}
};

describe('retention', () => {
	it('keeps bodies for ever by default, and payloads 90 days', async () => {
		const old = await text(w.b, 'delivered', 400);
		const recent = await text(w.b, 'delivered', 10);
		await applyAll();
		const rows = await t.sql`select id, message_content, body_redacted_at from public.sms_messages where id in (${old}, ${recent})`;
		expect(rows.every((r) => r.message_content === 'Your code is 123456' && r.body_redacted_at === null)).toBe(true);
		const [oldEvent] = await t.sql`select payload from public.sms_delivery_events where message_id = ${old}`;
		const [newEvent] = await t.sql`select payload from public.sms_delivery_events where message_id = ${recent}`;
		expect(oldEvent.payload).toEqual({ redacted: true, after_days: 90 });
		expect(newEvent.payload).toMatchObject({ MessageStatus: 'delivered' });
	});

	it('replaces old bodies with a marker, in batches, keeping verdict, times, cost and events', async () => {
		await asPerson(t, w.people.owner, (tx) => tx`select public.set_retention(${w.a}, 30, 60)`);
		const ids = [await text(w.a, 'delivered', 31), await text(w.a, 'delivered', 40), await text(w.a, 'failed', 50)];
		const pending = await text(w.a, 'pending', 45);
		const young = await text(w.a, 'delivered', 5);
		const before = await t.sql`select id, status, price::text, delivered_at, created_at from public.sms_messages where id in ${t.sql(ids)} order by id`;
		const done = await applyAll();
		expect(done.bodies).toBe(3);
		const after = await t.sql`select id, status, price::text, delivered_at, created_at, message_content, body_redacted_at
			from public.sms_messages where id in ${t.sql(ids)} order by id`;
		expect(after.map((r) => r.message_content)).toEqual(ids.map(() => '[Text removed after 30 days]'));
		expect(after.map(({ id, status, price, delivered_at, created_at }) => ({ id, status, price, delivered_at, created_at }))).toEqual(before);
		const [{ n }] = await t.sql`select count(*)::int as n from public.sms_delivery_events where message_id in ${t.sql(ids)}`;
		expect(n).toBe(3);
		const untouched = await t.sql`select message_content from public.sms_messages where id in (${pending}, ${young})`;
		expect(untouched.map((r) => r.message_content)).toEqual(['Your code is 123456', 'Your code is 123456']);
	});

	it('only owners change retention', async () => {
		expect((await sqlError(() => asPerson(t, w.people.admin, (tx) => tx`select public.set_retention(${w.a}, 10, 10)`))).code).toBe('WS001');
		expect((await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`select public.set_retention(${w.a}, 0, 10)`))).code).toBe('WS005');
		expect((await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`select public.apply_retention()`))).code).toBe('42501');
	});
});
