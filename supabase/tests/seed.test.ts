/** supabase/seed.sql runs at every local start: it must be idempotent and give a usable demo. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
});

afterAll(async () => {
	await t?.close();
});

async function counts() {
	const [row] = await t.sql`select
		(select count(*)::int from auth.users) as users,
		(select count(*)::int from public.user_roles) as roles,
		(select count(*)::int from public.user_sms_preferences) as preferences,
		(select count(*)::int from public.user_sms_type_preferences) as type_preferences,
		(select count(*)::int from public.sms_templates) as templates,
		(select count(*)::int from public.sms_messages) as messages,
		(select count(*)::int from public.sms_delivery_events) as events`;
	return row;
}

describe('seed.sql', () => {
	it('applies cleanly, and a second run changes nothing', async () => {
		expect(await seed(t.sql)).toBe(true);
		const first = await counts();
		expect(first).toMatchObject({ users: 3, roles: 1, preferences: 3, templates: 4, messages: 6 });
		await t.sql`update public.user_sms_preferences set daily_limit = 7
			where user_id = (select id from auth.users where email = 'alice@example.com')`;
		expect(await seed(t.sql)).toBe(true);
		expect(await counts()).toEqual(first);
		const [alice] = await t.sql`select daily_limit from public.user_sms_preferences
			where user_id = (select id from auth.users where email = 'alice@example.com')`;
		expect(alice.daily_limit).toBe(7);
	});

	it('gives alice her own history (through RLS) and admin@example.com the admin role', async () => {
		const [alice] = await t.sql`select id from auth.users where email = 'alice@example.com'`;
		const history = await t.db.asUser({ sub: alice.id, role: 'authenticated', email: 'alice@example.com' }, (tx) =>
			tx`select status from public.sms_messages order by created_at`
		);
		expect(history.map((m) => m.status)).toEqual(['delivered', 'received', 'undelivered', 'failed']);
		const [admin] = await t.sql`select id from auth.users where email = 'admin@example.com'`;
		const [isAdmin] = await t.db.asUser({ sub: admin.id, role: 'authenticated' }, (tx) => tx`select public.is_admin() as yes`);
		expect(isAdmin.yes).toBe(true);
	});
});
