/**
 * queue_sms_message with workspaces and contacts: a text goes to a user or a contact (never
 * both), in a workspace — the contact's, the one named, or the default one; inbound texts link
 * to the workspace and contact that own the conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createPerson, phoneHash, phoneValues, sealedPhoneText, sqlError, type Person } from './fixtures.ts';
import { createOrganization } from './workspace-fixtures.ts';

let t: TestDatabase;
let alice: Person;
let defaultOrg: string;
let contact: { id: string; phone: string };

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	[{ id: defaultOrg }] = await t.sql`select id from public.organizations where slug = 'default'`;
	const [c] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${defaultOrg}, 'Carl Contact', ${phoneValues(t.sql, '+14155556001')}) returning id`;
	contact = { id: c.id as string, phone: '+14155556001' };
});

afterAll(async () => {
	await t?.close();
});

const queue = (args: { user?: string | null; phone?: string | null; org?: string | null; contact?: string | null }) =>
	t.sql`select public.queue_sms_message(p_user_id => ${args.user ?? null}::uuid, p_phone_sealed => ${args.phone ? sealedPhoneText(args.phone) : null}::public.sealed_phone,
		p_message => 'hello', p_organization_id => ${args.org ?? null}::uuid, p_contact_id => ${args.contact ?? null}::uuid) as id`;

describe('queue_sms_message with one workspace', () => {
	it('a text to a user without a workspace lands in the only one', async () => {
		const [{ id }] = await queue({ user: alice.id });
		const [m] = await t.sql`select organization_id, user_id, contact_id from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ organization_id: defaultOrg, user_id: alice.id, contact_id: null });
	});

	it("a text to a contact goes to the contact's own number, in the contact's workspace, with a send job", async () => {
		const [{ id }] = await queue({ contact: contact.id });
		const [m] = await t.sql`select m.organization_id, m.user_id, m.contact_id, m.phone_hash, m.status, j.job_type
			from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id where m.id = ${id}`;
		expect(m).toEqual({ organization_id: defaultOrg, user_id: null, contact_id: contact.id, phone_hash: phoneHash(contact.phone), status: 'pending', job_type: 'send_sms' });
	});

	it('refuses both a user and a contact, another number for a contact, and an unknown contact', async () => {
		expect((await sqlError(() => queue({ user: alice.id, contact: contact.id }))).code).toBe('WS019');
		expect((await sqlError(() => queue({ contact: contact.id, phone: '+14155556999' }))).code).toBe('WS019');
		expect((await sqlError(() => queue({ contact: '00000000-0000-4000-8000-000000000000' }))).code).toBe('WS018');
		expect((await sqlError(() => queue({ user: alice.id, org: '00000000-0000-4000-8000-000000000000' }))).code).toBe('WS017');
		// The database itself refuses an outbound text to both or to nobody.
		for (const [user, c] of [[alice.id, contact.id], [null, null]]) {
			const error = await sqlError(() => t.sql`insert into public.sms_messages (organization_id, user_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content)
				values (${defaultOrg}, ${user}, ${c}, ${phoneValues(t.sql, '+14155556001')}, 'x')`);
			expect(error.message).toMatch(/sms_messages_outbound_recipient_check/);
		}
	});

	it('an inbound text from a contact links to the contact and the workspace that texted them', async () => {
		const [{ id }] = await t.sql`select public.record_inbound_sms('SMin-contact-1', ${sealedPhoneText(contact.phone)}::public.sealed_phone, 'thanks') as id`;
		const [m] = await t.sql`select organization_id, contact_id, user_id from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ organization_id: defaultOrg, contact_id: contact.id, user_id: null });
	});
});

describe('with several workspaces', () => {
	let second: string;
	let secondContact: string;

	beforeAll(async () => {
		const owner = await createPerson(t.sql, 'second-owner');
		second = await createOrganization(t.sql, owner, 'second-ws');
		const [c] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
			values (${second}, 'Carl Elsewhere', ${phoneValues(t.sql, contact.phone)}) returning id`;
		secondContact = c.id;
	});

	it('a caller that names no workspace gets the default workspace (the migrated one)', async () => {
		const [{ id }] = await queue({ user: alice.id });
		const [m] = await t.sql`select organization_id from public.sms_messages where id = ${id}`;
		expect(m.organization_id).toBe(defaultOrg);
	});

	it('… and with no workspace marked default is told to name one (WS016), and nothing is written', async () => {
		await t.sql`update public.organizations set is_default = false where id = ${defaultOrg}`;
		try {
			const [{ n: before }] = await t.sql`select count(*)::int as n from public.sms_messages`;
			const error = await sqlError(() => queue({ user: alice.id }));
			expect(error).toMatchObject({ code: 'WS016', message: expect.stringMatching(/^organization_required/) });
			const bulk = await sqlError(() => t.sql`select public.queue_sms_messages_bulk(${t.sql.json([{ user_id: alice.id, message: 'x' }])})`);
			expect(bulk.code).toBe('WS016');
			const [{ n: after }] = await t.sql`select count(*)::int as n from public.sms_messages`;
			expect(after).toBe(before);
		} finally {
			await t.sql`update public.organizations set is_default = true where id = ${defaultOrg}`;
		}
	});

	it("a contact of another workspace cannot be texted from this one", async () => {
		expect((await sqlError(() => queue({ contact: secondContact, org: defaultOrg }))).code).toBe('WS018');
	});

	it('bulk rows carry organization_id and contact_id', async () => {
		const ids = await t.sql`select public.queue_sms_messages_bulk(${t.sql.json([
			{ user_id: alice.id, message: 'to alice', organization_id: second },
			{ contact_id: secondContact, message: 'to carl' }
		])}) as id`;
		const rows = await t.sql`select organization_id, user_id, contact_id, phone_hash from public.sms_messages
			where id in ${t.sql(ids.map((r) => r.id))} order by message_content`;
		expect(rows).toEqual([
			{ organization_id: second, user_id: alice.id, contact_id: null, phone_hash: alice.phoneHash },
			{ organization_id: second, user_id: null, contact_id: secondContact, phone_hash: phoneHash(contact.phone) }
		]);
	});

	it('an inbound reply belongs to the workspace that texted the number last', async () => {
		const [{ id }] = await t.sql`select public.record_inbound_sms('SMin-contact-2', ${sealedPhoneText(contact.phone)}::public.sealed_phone, 'which one?') as id`;
		const [m] = await t.sql`select organization_id, contact_id from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ organization_id: second, contact_id: secondContact });
	});

	it('retrying a failed text to a contact keeps its workspace and contact', async () => {
		const [{ id }] = await queue({ contact: secondContact });
		await t.sql`select public.mark_sms_failed(${id}, 30008, 'Unknown error')`;
		const [{ retry }] = await t.sql`select public.retry_sms_message(${id}) as retry`;
		const [m] = await t.sql`select organization_id, contact_id, user_id, retry_of from public.sms_messages where id = ${retry}`;
		expect(m).toEqual({ organization_id: second, contact_id: secondContact, user_id: null, retry_of: id });
	});
});
