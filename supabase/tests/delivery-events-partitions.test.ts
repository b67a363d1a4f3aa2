/**
 * sms_delivery_events partitioned by month (issue 16): the migration converts a database at the
 * previous schema keeping every row, id, index, policy, trigger and grant; inserts land in their
 * month (or the default partition, from which the daily job moves them); ids stay unique across
 * months; the immutability guard and RLS still hold, and partitions cannot be read directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '@sms/db';
import { createEmptyDatabase, createUser, type TestDatabase } from '@sms/db/testing';

const PARTITIONING = '20261202070100';
let t: TestDatabase;
let user: string;
let messageId: string;
let before: {
	rows: unknown[];
	policies: unknown[];
	grants: unknown[];
	indexes: string[];
	triggers: string[];
};

const rows = () => t.sql`select to_jsonb(e) as row from public.sms_delivery_events e order by id`;
const policies = () => t.sql`select policyname, permissive, roles::text[] as roles, cmd, qual, with_check from pg_policies
	where schemaname = 'public' and tablename = 'sms_delivery_events' order by policyname`;
const grants = () => t.sql`select grantee, privilege_type from information_schema.role_table_grants
	where table_schema = 'public' and table_name = 'sms_delivery_events' order by 1, 2`;
const columnGrants = () => t.sql`select grantee, privilege_type, column_name from information_schema.column_privileges
	where table_schema = 'public' and table_name = 'sms_delivery_events' and grantee = 'service_role' and privilege_type = 'UPDATE' order by 3`;
const indexes = async () =>
	(await t.sql<{ name: string }[]>`select indexname as name from pg_indexes where schemaname = 'public' and tablename = 'sms_delivery_events' order by 1`).map((r) => r.name);
const triggers = async () =>
	(await t.sql<{ name: string }[]>`select tgname as name from pg_trigger where tgrelid = 'public.sms_delivery_events'::regclass and not tgisinternal order by 1`).map((r) => r.name);
const partitionOf = async (id: number) => {
	const [r] = await t.sql<{ part: string }[]>`select c.relname as part from public.sms_delivery_events e join pg_class c on c.oid = e.tableoid where e.id = ${id}`;
	return r?.part;
};
const monthName = (d: Date) => `sms_delivery_events_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

beforeAll(async () => {
	t = await createEmptyDatabase();
	const previous = (await listMigrations()).filter((m) => m.version < PARTITIONING).at(-1)!;
	await migrate(t.sql, { upTo: previous.version });
	user = await createUser(t.sql);
	const [m] = await t.sql`insert into public.sms_messages (user_id, phone_number, message_content, status, twilio_sid)
		values (${user}, '+15551239001', 'hello', 'queued', 'SM' || repeat('7', 32)) returning id`;
	messageId = m.id as string;
	// Events over more than a year, and an orphan (no message yet).
	await t.sql`insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, source, payload, received_at)
		values (${messageId}, ${'SM' + '7'.repeat(32)}, 'queued', 'queued', 'api', '{"To":"+15551239001"}', now() - interval '400 days'),
		       (${messageId}, ${'SM' + '7'.repeat(32)}, 'sent', 'sent', 'webhook', '{"MessageStatus":"sent"}', now() - interval '40 days'),
		       (${messageId}, ${'SM' + '7'.repeat(32)}, 'delivered', 'delivered', 'webhook', '{"MessageStatus":"delivered"}', now()),
		       (null, ${'SM' + '8'.repeat(32)}, 'sent', 'sent', 'webhook', '{"MessageStatus":"sent"}', now() - interval '1 day')`;
	before = { rows: await rows(), policies: await policies(), grants: [...(await grants()), ...(await columnGrants())], indexes: await indexes(), triggers: await triggers() };
	// Up to the partitioning itself: later steps change rows on purpose (phone numbers in payloads get sealed).
	await migrate(t.sql, { upTo: PARTITIONING });
}, 120_000);
afterAll(async () => {
	await t?.close();
});

describe('partitioning sms_delivery_events', () => {
	it('keeps every row, index, policy, trigger and grant', async () => {
		const [{ kind }] = await t.sql`select relkind as kind from pg_class where oid = 'public.sms_delivery_events'::regclass`;
		expect(kind).toBe('p');
		expect(await rows()).toEqual(before.rows);
		expect(await policies()).toEqual(before.policies);
		expect([...(await grants()), ...(await columnGrants())]).toEqual(before.grants);
		expect(await triggers()).toEqual(before.triggers);
		// Same indexes (the primary key now includes the partition key, under the same name).
		expect(await indexes()).toEqual(before.indexes);
		// Each old row sits in its own month.
		const all = await t.sql<{ id: number; received_at: Date }[]>`select id, received_at from public.sms_delivery_events order by id`;
		for (const r of all) expect(await partitionOf(r.id)).toBe(monthName(r.received_at));
	});

	it('puts new events in their month, continues the ids, and the daily job moves early ones out of the default partition', async () => {
		const [{ max }] = await t.sql<{ max: number }[]>`select max(id)::int as max from public.sms_delivery_events`;
		const next = new Date();
		next.setUTCDate(1);
		next.setUTCMonth(next.getUTCMonth() + 1);
		const [a] = await t.db.asService((tx) => tx<{ id: number }[]>`insert into public.sms_delivery_events (message_id, raw_status, status, source, received_at)
			values (${messageId}, 'delivered', 'delivered', 'poll', ${next}) returning id`);
		expect(Number(a.id)).toBeGreaterThan(max);
		expect(await partitionOf(a.id)).toBe(monthName(next));

		const later = new Date(next);
		later.setUTCMonth(later.getUTCMonth() + 4);
		const [b] = await t.db.asService((tx) => tx<{ id: number }[]>`insert into public.sms_delivery_events (message_id, raw_status, status, source, received_at)
			values (${messageId}, 'delivered', 'delivered', 'poll', ${later}) returning id`);
		expect(await partitionOf(b.id)).toBe('sms_delivery_events_default');
		const [{ made }] = await t.db.asService((tx) => tx<{ made: number }[]>`select public.create_sms_delivery_event_partitions(6) as made`);
		expect(made).toBeGreaterThan(0);
		expect(await partitionOf(b.id)).toBe(monthName(later));
		// Ids are unique across all months.
		const [{ n, distinct }] = await t.sql`select count(*)::int as n, count(distinct id)::int as distinct from public.sms_delivery_events`;
		expect(distinct).toBe(n);
		// Running it again changes nothing.
		const [{ again }] = await t.db.asService((tx) => tx<{ again: number }[]>`select public.create_sms_delivery_event_partitions(6) as again`);
		expect(again).toBe(0);
	});

	it('still refuses changes, answers RLS through the parent, and hides the partitions', async () => {
		const error = await t.db.asService((tx) => tx`update public.sms_delivery_events set applied = not applied where message_id = ${messageId}`).catch((e: { code?: string }) => e);
		expect((error as { code?: string }).code).toBe('SM012');
		// The orphan can still be attached once (the guard's one exception).
		const attached = await t.db.asService((tx) => tx`update public.sms_delivery_events set message_id = ${messageId} where message_id is null returning id`);
		expect(attached).toHaveLength(1);

		const claims = { sub: user, role: 'authenticated' as const };
		const own = await t.db.asUser(claims, (tx) => tx`select id from public.sms_delivery_events`);
		expect(own.length).toBeGreaterThanOrEqual(4);
		const stranger = await t.db.asUser({ sub: await createUser(t.sql), role: 'authenticated' as const }, (tx) => tx`select id from public.sms_delivery_events`);
		expect(stranger).toHaveLength(0);
		const direct = await t.db.asUser(claims, (tx) => tx`select id from public.sms_delivery_events_default`).catch((e: { code?: string }) => e);
		expect((direct as { code?: string }).code).toBe('42501');
		expect((await t.sql`select has_function_privilege('authenticated', 'public.create_sms_delivery_event_partitions(integer)', 'execute') as ok`)[0].ok).toBe(false);
	});
});
