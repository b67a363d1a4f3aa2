/**
 * The phone-encryption migrations on a database that already holds numbers in clear: the Node
 * step encrypts them (batched, resumable), the clear column goes, nothing is lost, and without
 * the keys the migration refuses instead of dropping numbers nobody encrypted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCipher, listMigrations, migrate, newPhoneKey, openPayload } from '@sms/db';
import { createEmptyDatabase, createUser, type TestDatabase } from '@sms/db/testing';

const FIRST_ENCRYPTION_MIGRATION = '20261202090000';
const cipher = new PhoneCipher({ keys: { m1: newPhoneKey() }, currentKeyId: 'm1', indexKey: newPhoneKey() });

let t: TestDatabase;
let alice: string;
const numbers = Array.from({ length: 2500 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);

beforeAll(async () => {
	t = await createEmptyDatabase();
	const previous = (await listMigrations()).filter((m) => m.version < FIRST_ENCRYPTION_MIGRATION).at(-1)!;
	await migrate(t.sql, { upTo: previous.version });
	alice = await createUser(t.sql, { email: 'alice-enc@example.com' });
	await t.sql`
		insert into public.phone_verifications (user_id, phone_number, action, outcome)
		select ${alice}, n, 'start', 'sent' from unnest(${numbers}::text[]) as n`;
	await t.sql`
		insert into public.sms_delivery_events (payload, source, applied)
		values (${t.sql.json({ MessageSid: 'SMold', To: '+14155550001', From: '+15005550006', MessageStatus: 'delivered' })}, 'webhook', false)`;
}, 120_000);

afterAll(async () => {
	await t?.close();
});

describe('encrypting the numbers already stored', () => {
	it('refuses to run without the keys while numbers are stored in clear, and changes nothing', async () => {
		const saved = { k: process.env.PHONE_ENCRYPTION_KEYS, i: process.env.PHONE_INDEX_KEY };
		const { setPhoneCipher } = await import('@sms/db');
		delete process.env.PHONE_ENCRYPTION_KEYS;
		delete process.env.PHONE_INDEX_KEY;
		setPhoneCipher(undefined);
		try {
			await expect(migrate(t.sql)).rejects.toThrow(/phone_verifications: 2500.*PHONE_ENCRYPTION_KEYS/);
		} finally {
			process.env.PHONE_ENCRYPTION_KEYS = saved.k;
			process.env.PHONE_INDEX_KEY = saved.i;
			setPhoneCipher(undefined);
		}
		const [{ n }] = await t.sql`select count(*)::int as n from public.phone_verifications where phone_number is not null`;
		expect(n).toBe(2500);
	});

	it('encrypts every row, then drops the clear column; each number opens to what it was', async () => {
		await migrate(t.sql, { phoneCipher: cipher });
		const cols = await t.sql`select column_name from information_schema.columns
			where table_schema = 'public' and table_name = 'phone_verifications' and column_name = 'phone_number'`;
		expect(cols).toEqual([]);
		const rows = await t.sql<{ phone_enc: string; phone_hash: string; phone_last4: string }[]>`
			select phone_enc, phone_hash, phone_last4 from public.phone_verifications order by id`;
		expect(rows.map((r) => cipher.decrypt(r.phone_enc))).toEqual(numbers);
		expect(rows.map((r) => r.phone_hash)).toEqual(numbers.map((n) => cipher.blindIndex(n)));
		expect(rows.map((r) => r.phone_last4)).toEqual(numbers.map((n) => n.slice(-4)));
	});

	it('seals the To/From of stored provider payloads, keeping the rest', async () => {
		const [e] = await t.sql<{ payload: Record<string, string> }[]>`select payload from public.sms_delivery_events`;
		expect(JSON.stringify(e.payload)).not.toContain('+1');
		expect(e.payload.MessageSid).toBe('SMold');
		expect(openPayload(cipher, e.payload)).toEqual({ MessageSid: 'SMold', To: '+14155550001', From: '+15005550006', MessageStatus: 'delivered' });
	});
});
