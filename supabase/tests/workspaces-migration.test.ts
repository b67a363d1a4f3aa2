/**
 * The workspace migrations on a database that already has texts (the previous, single-tenant
 * schema): every text moves into the default workspace, nothing is lost, the global admins
 * become its owners, and callers that name no workspace keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '@sms/db';
import { createEmptyDatabase, createUser, openPhone, type TestDatabase } from '@sms/db/testing';

const FIRST_WORKSPACE_MIGRATION = '20261201030000';

let t: TestDatabase;
let alice: string;
let admin: string;
const before: { id: string; user_id: string | null; direction: string; status: string; phone_number: string; message_content: string }[] = [];

beforeAll(async () => {
	t = await createEmptyDatabase();
	const previous = (await listMigrations()).filter((m) => m.version < FIRST_WORKSPACE_MIGRATION).at(-1);
	if (!previous) throw new Error('no migration before the workspace ones');
	await migrate(t.sql, { upTo: previous.version });

	// Data as the previous schema wrote it: through its own SQL API, 9-argument queue_sms_message.
	alice = await createUser(t.sql, { email: 'alice-old@example.com' });
	admin = await createUser(t.sql, { email: 'admin-old@example.com' });
	await t.sql`insert into public.user_roles (user_id, role) values (${admin}, 'admin')`;
	await t.sql`select public.set_verified_phone(${alice}, '+14155550901')`;
	for (let i = 0; i < 25; i += 1) {
		await t.sql`select public.queue_sms_message(${alice}, null, ${`old text ${i}`})`;
	}
	await t.sql`select public.queue_sms_message(${alice}, '+14155550902', 'to another number', 'high', now() + interval '1 day')`;
	await t.sql`select public.record_inbound_sms('SMold-inbound', '+14155550901', 'a reply')`;
	await t.sql`select public.record_inbound_sms('SMold-stranger', '+14155550999', 'from nobody')`;
	before.push(...(await t.sql<typeof before>`
		select id, user_id, direction, status, phone_number, message_content from public.sms_messages order by id`));

	await migrate(t.sql);
});

afterAll(async () => {
	await t?.close();
});

describe('migrating a database with texts to workspaces', () => {
	it('keeps every text, unchanged, and puts each into the default workspace', async () => {
		// The numbers are sealed by the later migrations: compared opened.
		const after = (
			await t.sql<(Omit<typeof before[number], 'phone_number'> & { phone_enc: string; organization_id: string | null })[]>`
				select id, user_id, direction, status, phone_enc, message_content, organization_id
				from public.sms_messages order by id`
		).map(({ phone_enc, ...m }) => ({ ...m, phone_number: openPhone(phone_enc) }));
		expect(before.length).toBe(28);
		expect(after.map(({ organization_id: _org, ...rest }) => rest)).toEqual(before);
		const [org] = await t.sql`select id, slug, name from public.organizations`;
		expect(org).toMatchObject({ slug: 'default', name: 'Default' });
		expect(new Set(after.map((m) => m.organization_id))).toEqual(new Set([org.id]));
		// Spot check: one particular text kept its body, recipient and state.
		const [spot] = await t.sql`select user_id, status, scheduled_for > now() as later, organization_id
			from public.sms_messages where message_content = 'to another number'`;
		expect(spot).toEqual({ user_id: alice, status: 'scheduled', later: true, organization_id: org.id });
	});

	it('makes the global admins owners of the default workspace, and only them', async () => {
		const members = await t.sql`select user_id, role from public.organization_members`;
		expect(members).toEqual([{ user_id: admin, role: 'owner' }]);
	});

	it('still accepts the old call shapes, which land in the only workspace', async () => {
		const [{ id }] = await t.sql`select public.queue_sms_message(${alice}, null, 'after the migration') as id`;
		const [row] = await t.sql`select m.organization_id = o.id as in_default, m.contact_id
			from public.sms_messages m, public.organizations o where m.id = ${id}`;
		expect(row).toEqual({ in_default: true, contact_id: null });
		const [{ jobs }] = await t.sql`select count(*)::int as jobs from public.queue_jobs where job_type = 'send_sms'`;
		expect(jobs).toBe(27);
	});
});
