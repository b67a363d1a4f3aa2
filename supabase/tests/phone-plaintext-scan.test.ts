/**
 * No phone number in clear where numbers are encrypted: a freshly migrated (and seeded)
 * database, then one after the verification limits, STOP and the delivery log have been used.
 * The realistic run through the web app, the worker and the sandbox is tests/e2e/phone-encryption.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneCipher, seed, sealPayload } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { scanForClearPhones } from '@sms/db/testing/phone-scan';
import { CLEAR_BY_DESIGN, NOT_YET_ENCRYPTED } from './phone-clear-columns.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
	await seed(t.sql);
});
afterAll(async () => {
	await t?.close();
});

const columnsWithNumbers = async () => (await scanForClearPhones(t.sql, { ignore: CLEAR_BY_DESIGN })).map((h) => h.column);

describe('plaintext scan', () => {
	it('finds the planted number (the scan itself works) and nothing outside the known columns', async () => {
		const hits = await columnsWithNumbers();
		for (const c of hits) expect(NOT_YET_ENCRYPTED, `${c} holds a number in clear`).toContain(c);
		await t.sql`create table public.scan_probe (note text, doc jsonb, tags text[])`;
		await t.sql`insert into public.scan_probe values ('call +14155550100', ${t.sql.json({ a: { b: '+442071838750' } })}, '{x,+33612345678}')`;
		expect(await columnsWithNumbers()).toEqual(expect.arrayContaining(['public.scan_probe.note', 'public.scan_probe.doc', 'public.scan_probe.tags']));
		await t.sql`drop table public.scan_probe`;
	});

	it('after verification attempts and sealed provider payloads, the encrypted tables hold no number', async () => {
		const user = await createUser(t.sql);
		const s = phoneCipher().seal('+14155550111');
		await t.sql`insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, action, outcome)
			values (${user}, ${s.enc}, ${s.hash}, ${s.last4}, 'start', 'sent')`;
		await t.sql`insert into public.sms_delivery_events (payload, source, applied)
			values (${t.sql.json(sealPayload(phoneCipher(), { MessageSid: 'SMscan', To: '+14155550111', From: '+15005550006' }))}, 'webhook', false)`;
		const hits = await columnsWithNumbers();
		expect(hits).not.toContain('public.phone_verifications.phone_enc');
		expect(hits).not.toContain('public.sms_delivery_events.payload');
		for (const c of hits) expect(NOT_YET_ENCRYPTED, `${c} holds a number in clear`).toContain(c);
	});
});
