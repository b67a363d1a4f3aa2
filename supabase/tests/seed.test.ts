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
		(select count(*)::int from public.sms_delivery_events) as events,
		(select count(*)::int from public.organizations) as organizations,
		(select count(*)::int from public.organization_members) as members,
		(select count(*)::int from public.contacts) as contacts`;
	return row;
}

describe('seed.sql', () => {
	it('applies cleanly, and a second run changes nothing', async () => {
		expect(await seed(t.sql)).toBe(true);
		const first = await counts();
		expect(first).toMatchObject({ users: 3, roles: 1, preferences: 3, templates: 4, messages: 9, organizations: 1, members: 1, contacts: 4 });
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

	it('turns the fresh install\'s placeholder workspace into "Demo", owned by admin@example.com, with its texts', async () => {
		const [org] = await t.sql`select id, slug, name from public.organizations`;
		expect(org).toMatchObject({ slug: 'demo', name: 'Demo' });
		const [admin] = await t.sql`select id from auth.users where email = 'admin@example.com'`;
		const seen = await t.db.asUser({ sub: admin.id, role: 'authenticated', email: 'admin@example.com' }, async (tx) => ({
			role: (await tx`select public.current_org_role(${org.id}) as role`)[0].role,
			contacts: (await tx`select name from public.contacts order by name`).map((c) => c.name),
			unassigned: (await tx`select count(*)::int as n from public.sms_messages where organization_id is null`)[0].n,
			toContacts: (await tx`select count(*)::int as n from public.sms_messages where contact_id is not null`)[0].n
		}));
		expect(seen).toEqual({
			role: 'owner',
			contacts: ['Alice Example', 'Grace Hopper', 'Kenji Tanaka', 'Linus Example'],
			unassigned: 0,
			toContacts: 3
		});
		// The contact holding alice's verified phone is linked to her account.
		const [linked] = await t.sql`select c.user_id = u.id as yes from public.contacts c, auth.users u
			where c.name = 'Alice Example' and u.email = 'alice@example.com'`;
		expect(linked.yes).toBe(true);
	});
});
