/**
 * The send path's encryption migration (20261204100000…) on a database that holds numbers in
 * clear in all five tables: user_sms_preferences (a verified owner, an unverified claimant of the
 * same number, a user with none), contacts (one for the owner's number, linked to the owner),
 * sms_phone_opt_outs (a STOP for that same number), sms_campaign_recipients and sms_messages.
 * After the full migration (its Node step seals every row) each number opens to what it was, the
 * calling code and last four are right, and what the clear numbers enforced still holds on the
 * blind index: one verified owner per number, one contact per workspace and number, one opt-out
 * per number — and a STOP still stops the number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCipher, listMigrations, migrate, newPhoneKey } from '@sms/db';
import { createEmptyDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { sqlState } from './fixtures.ts';

/** enc-a's first migration of the send path: everything before it has the clear columns. */
const SEND_PATH_ENCRYPTION = '20261204100000';
const cipher = new PhoneCipher({ keys: { s1: newPhoneKey() }, currentKeyId: 's1', indexKey: newPhoneKey() });

const OWNER = '+14155550142';
const UK = '+447700900123';
const OTHER = '+14155550177';

let t: TestDatabase;
let owner: string;
let claimant: string;
let nobody: string;
let org: string;
let ownerContact: string;
let ukContact: string;
let importId: string;
/** message id → the number it was written with */
const messages = new Map<string, string>();
let failedToOptedOut: string;
let failedToOther: string;

beforeAll(async () => {
	t = await createEmptyDatabase();
	const previous = (await listMigrations()).filter((m) => m.version < SEND_PATH_ENCRYPTION).at(-1)!;
	await migrate(t.sql, { upTo: previous.version, phoneCipher: cipher });
	owner = await createUser(t.sql, { email: 'owner-sp@example.com' });
	claimant = await createUser(t.sql, { email: 'claimant-sp@example.com' });
	nobody = await createUser(t.sql, { email: 'nobody-sp@example.com' });
	await t.sql`insert into public.user_sms_preferences (user_id, phone_number, phone_verified)
		values (${owner}, ${OWNER}, true), (${claimant}, ${OWNER}, false)`;
	await t.sql`insert into public.user_sms_preferences (user_id) values (${nobody})`;
	[{ id: org }] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('sp-migration', 'SP') returning id`;
	[{ id: ownerContact }] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_number) values (${org}, 'Owner as contact', ${OWNER}) returning id`;
	[{ id: ukContact }] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_number) values (${org}, 'UK contact', ${UK}) returning id`;
	await t.sql`insert into public.sms_phone_opt_outs (phone_number, opted_out, opted_out_at, source, last_keyword)
		values (${OWNER}, true, now(), 'keyword', 'STOP'), (${OTHER}, false, null, 'keyword', 'START')`;
	[{ id: importId }] = await t.sql<{ id: string }[]>`
		insert into public.sms_campaign_imports (organization_id, file_name, columns, phone_column)
		values (${org}, 'list.csv', '{name,phone}', 'phone') returning id`;
	await t.sql`insert into public.sms_campaign_recipients (import_id, row_number, phone_number, name, country)
		values (${importId}, 1, ${OWNER}, 'Owner', 'US'), (${importId}, 2, ${UK}, 'UK', 'GB'), (${importId}, 3, ${OTHER}, 'Other', 'US')`;
	const write = async (to: string, values: { user?: string; contact?: string; status: string; code?: number }) => {
		const [{ id }] = await t.sql<{ id: string }[]>`
			insert into public.sms_messages (organization_id, user_id, contact_id, phone_number, message_content, status, error_code)
			values (${org}, ${values.user ?? null}, ${values.contact ?? null}, ${to}, 'Migrated text', ${values.status}, ${values.code ?? null})
			returning id`;
		messages.set(id, to);
		return id;
	};
	await write(OWNER, { user: owner, status: 'delivered' });
	await write(UK, { contact: ukContact, status: 'queued' });
	failedToOptedOut = await write(OWNER, { contact: ownerContact, status: 'undelivered', code: 30003 });
	failedToOther = await write(OTHER, { user: claimant, status: 'undelivered', code: 30003 });
	// The verified owner's contact was linked to them by the clear number (trigger).
	const [{ user_id }] = await t.sql<{ user_id: string | null }[]>`select user_id from public.contacts where id = ${ownerContact}`;
	expect(user_id).toBe(owner);

	await migrate(t.sql, { phoneCipher: cipher });
}, 180_000);

afterAll(async () => {
	await t?.close();
});

type Sealed = { phone_enc: string | null; phone_hash: string | null; phone_last4: string | null; calling_code: string | null };
const opened = (r: Sealed) => ({
	number: r.phone_enc === null ? null : cipher.decrypt(r.phone_enc),
	hashed: r.phone_hash === null ? r.phone_enc === null : r.phone_hash === cipher.blindIndex(cipher.decrypt(r.phone_enc!)),
	last4: r.phone_last4,
	calling_code: r.calling_code
});
const expected = (n: string | null) => ({
	number: n,
	hashed: true,
	last4: n === null ? null : n.slice(-4),
	calling_code: n === null ? null : n.startsWith('+44') ? '44' : '1'
});

describe('the send path after the encryption migration', () => {
	it('has no clear number column left in the five tables', async () => {
		const cols = await t.sql<{ table_name: string }[]>`
			select table_name from information_schema.columns
			 where table_schema = 'public' and column_name = 'phone_number'
			   and table_name in ('sms_messages', 'contacts', 'user_sms_preferences', 'sms_campaign_recipients', 'sms_phone_opt_outs')`;
		expect(cols).toEqual([]);
	});

	it('opens every number to what it was, with its calling code and last four', async () => {
		const prefs = await t.sql<(Sealed & { user_id: string })[]>`
			select user_id, phone_enc, phone_hash, phone_last4, calling_code from public.user_sms_preferences`;
		const byUser = new Map(prefs.map((p) => [p.user_id, opened(p)]));
		expect(byUser.get(owner)).toEqual(expected(OWNER));
		expect(byUser.get(claimant)).toEqual(expected(OWNER));
		expect(byUser.get(nobody)).toEqual(expected(null));

		const contacts = await t.sql<(Sealed & { id: string })[]>`
			select id, phone_enc, phone_hash, phone_last4, calling_code from public.contacts`;
		expect(new Map(contacts.map((c) => [c.id, opened(c)]))).toEqual(new Map([[ownerContact, expected(OWNER)], [ukContact, expected(UK)]]));

		const recipients = await t.sql<(Sealed & { row_number: number })[]>`
			select row_number, phone_enc, phone_hash, phone_last4, calling_code from public.sms_campaign_recipients where import_id = ${importId} order by row_number`;
		expect(recipients.map(opened)).toEqual([expected(OWNER), expected(UK), expected(OTHER)]);

		const texts = await t.sql<(Sealed & { id: string })[]>`select id, phone_enc, phone_hash, phone_last4, calling_code from public.sms_messages`;
		expect(new Map(texts.map((m) => [m.id, opened(m)]))).toEqual(new Map([...messages].map(([id, n]) => [id, expected(n)])));

		const outs = await t.sql<{ phone_enc: string; phone_hash: string; phone_last4: string; opted_out: boolean }[]>`
			select phone_enc, phone_hash, phone_last4, opted_out from public.sms_phone_opt_outs order by opted_out desc`;
		expect(outs.map((o) => ({ ...opened({ ...o, calling_code: null }), calling_code: undefined, opted_out: o.opted_out }))).toEqual([
			{ ...expected(OWNER), calling_code: undefined, opted_out: true },
			{ ...expected(OTHER), calling_code: undefined, opted_out: false }
		]);
	});

	it('keeps the owner linked to their contact, and one verified owner per number', async () => {
		const [{ user_id }] = await t.sql<{ user_id: string | null }[]>`select user_id from public.contacts where id = ${ownerContact}`;
		expect(user_id).toBe(owner);
		// The claimant verifying the owner's number: refused by the unique index on the blind index.
		expect(await sqlState(() => t.sql`update public.user_sms_preferences set phone_verified = true where user_id = ${claimant}`)).toBe('23505');
	});

	it('keeps one contact per workspace and number, and one opt-out per number', async () => {
		const s = cipher.seal(OWNER);
		expect(
			await sqlState(() => t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
				values (${org}, 'Twin', ${s.enc}, ${s.hash}, ${s.last4}, '1')`)
		).toBe('23505');
		expect(
			await sqlState(() => t.sql`insert into public.sms_phone_opt_outs (phone_enc, phone_hash, phone_last4, opted_out, source)
				values (${s.enc}, ${s.hash}, ${s.last4}, false, 'api')`)
		).toBe('23505');
	});

	it('still stops the number that sent STOP (by its blind index), and only that one', async () => {
		const problems = await t.sql<{ id: string; problem: string | null }[]>`
			select m.id, internal.sms_retry_problem(m) as problem from public.sms_messages m where m.id in ${t.sql([failedToOptedOut, failedToOther])}`;
		expect(Object.fromEntries(problems.map((p) => [p.id, p.problem]))).toEqual({ [failedToOptedOut]: 'opted_out', [failedToOther]: null });
		// The recipient row and the opt-out meet on the hash, as start_campaign joins them.
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.sms_campaign_recipients r
			  join public.sms_phone_opt_outs o on o.phone_hash = r.phone_hash and o.opted_out
			 where r.import_id = ${importId}`;
		expect(n).toBe(1);
	});
});
