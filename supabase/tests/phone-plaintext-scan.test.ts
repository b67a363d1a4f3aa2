/**
 * No phone number in clear where numbers are encrypted: a freshly migrated (and seeded)
 * database, then one after the verification limits, STOP and the delivery log have been used,
 * then after the send path's SQL: a verified number, texts queued to a user and to a contact,
 * a STOP, a campaign's recipients; then history written before the send path was sealed (a
 * contact audit row with its number in clear, an upload's report with rejected numbers as typed)
 * after the migration's seal step. Nothing is allowed to hold a number in clear.
 * The realistic run through the web app, the worker and the sandbox is tests/e2e/phone-encryption.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneCipher, seed, sealPayload, sealStoredPhones } from '@sms/db';
import { createTestDatabase, createUser, phoneColumns, phoneHash, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { scanForClearPhones } from '@sms/db/testing/phone-scan';
import { NOT_YET_ENCRYPTED, SCAN_OPTIONS } from './phone-clear-columns.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
	await seed(t.sql);
});
afterAll(async () => {
	await t?.close();
});

const columnsWithNumbers = async () => (await scanForClearPhones(t.sql, SCAN_OPTIONS)).map((h) => h.column);

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

	it('after the send path (verified number, texts to a user and a contact, STOP, campaign recipients), the five tables hold no number', async () => {
		const user = await createUser(t.sql);
		const mine = '+14155550122';
		const theirs = '+447700900456';
		await t.sql`select public.set_verified_phone(${user}, ${sealedPhoneText(mine)}::public.sealed_phone)`;
		await t.sql`select public.queue_sms_message(p_user_id => ${user}, p_phone_sealed => null, p_message => 'Scan text to a user')`;
		const [{ id: org }] = await t.sql<{ id: string }[]>`select id from public.organizations order by created_at limit 1`;
		const [{ id: contact }] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: org, name: 'Scan contact', ...phoneColumns(theirs) })} returning id`;
		await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'Scan text to a contact', p_organization_id => ${org}, p_contact_id => ${contact})`;
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText(theirs)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		const [{ id: importId }] = await t.sql<{ id: string }[]>`
			insert into public.sms_campaign_imports (organization_id, file_name, columns, phone_column) values (${org}, 'scan.csv', '{phone}', 'phone') returning id`;
		await t.sql`insert into public.sms_campaign_recipients ${t.sql({ import_id: importId, row_number: 1, name: 'Scan', ...phoneColumns(mine) })}`;
		// The texts were written with the recipients' sealed values, copied as they are.
		const texts = await t.sql<{ phone_hash: string }[]>`
			select phone_hash from public.sms_messages where message_content like 'Scan text to a %' order by message_content desc`;
		expect(texts.map((m) => m.phone_hash)).toEqual([phoneHash(mine), phoneHash(theirs)]);
		const [{ opted_out }] = await t.sql<{ opted_out: boolean }[]>`select opted_out from public.sms_phone_opt_outs where phone_hash = ${phoneHash(theirs)}`;
		expect(opted_out).toBe(true);

		const hits = await columnsWithNumbers();
		for (const c of hits) expect(NOT_YET_ENCRYPTED, `${c} holds a number in clear`).toContain(c);
		for (const table of ['sms_messages', 'contacts', 'user_sms_preferences', 'sms_campaign_recipients', 'sms_phone_opt_outs']) {
			expect(hits.filter((c) => c.startsWith(`public.${table}.phone`) || c.startsWith(`public.${table}.calling`))).toEqual([]);
		}
	});

	it('after the migration\'s seal step, old audit rows and old import reports hold no number', async () => {
		const [{ id: org }] = await t.sql<{ id: string }[]>`select id from public.organizations order by created_at limit 1`;
		// As the contacts trigger wrote them before the send path was sealed, and as uploads stored their reports.
		await t.sql`select internal.write_audit(${org}, null, 'contact.updated', 'contact', gen_random_uuid()::text,
			${t.sql.json({ phone_number: '+14155550133', name: '+14155550133' })}, ${t.sql.json({ phone_number: '+14155550134', name: 'Named' })}, null)`;
		await t.sql`insert into public.sms_campaign_imports (organization_id, file_name, columns, phone_column, report)
			values (${org}, 'old.csv', '{name,phone}', 'phone', ${t.sql.json({
				columns: [{ index: 0, header: 'name', variable: 'name', role: 'name' }, { index: 1, header: 'phone', variable: 'phone', role: 'phone' }],
				invalid: [{ row: 2, column: 'phone', value: '+442071838750', reason: 'a landline', code: 'landline' }],
				duplicateRows: [{ row: 4, keptRow: 3, phone: '+14155550135', value: '+1 415 555 0135' }],
				rejected: [{ row: 2, values: ['Lee', '+442071838750'], reason: 'a landline' }, { row: 4, values: ['Ann', '+1 415 555 0135'], reason: 'duplicate of row 3' }]
			})})`;
		expect(await columnsWithNumbers()).toEqual(expect.arrayContaining(['public.audit_log.after', 'public.audit_log.before', 'public.sms_campaign_imports.report']));
		await sealStoredPhones(t.sql, phoneCipher());
		const hits = await columnsWithNumbers();
		expect(NOT_YET_ENCRYPTED).toEqual([]);
		expect(hits).toEqual([]);
	});
});
