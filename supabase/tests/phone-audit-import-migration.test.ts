/**
 * 20261205100000/100100 on a database that still holds numbers in clear in the two places the
 * send-path migration left them: contact audit rows written by the trigger before the send path
 * was sealed (created, renumbered), and a campaign upload's report (a rejected landline, a
 * rejected cell that is no number, a duplicate). The database is built at the schema before the
 * send path, written to as the app then did, migrated to just before these migrations (the
 * numbers are still in clear), then fully: afterwards the plaintext scan with an empty allow-list
 * finds nothing, each sealed value opens to what was typed, the rest of every row is as it was,
 * and forgetting the contact still forgets its (now sealed) number in its history.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCipher, listMigrations, migrate, newPhoneKey, openRejectedCells } from '@sms/db';
import { createEmptyDatabase, type TestDatabase } from '@sms/db/testing';
import { scanForClearPhones } from '@sms/db/testing/phone-scan';
import { NOT_YET_ENCRYPTED, SCAN_OPTIONS } from './phone-clear-columns.ts';
import { sqlError } from './fixtures.ts';

const SEND_PATH_ENCRYPTION = '20261204100000';
const AUDIT_SEALING = '20261205100000';
const cipher = new PhoneCipher({ keys: { m1: newPhoneKey() }, currentKeyId: 'm1', indexKey: newPhoneKey() });

const FIRST = '+14155550142';
const SECOND = '+447700900123';
const LANDLINE = '+442071838750';
const SENDER = '+15005550006';

let t: TestDatabase;
let org: string;
let contact: string;
let importId: string;

const OLD_REPORT = {
	rows: 4,
	valid: 1,
	duplicates: 1,
	columns: [
		{ index: 0, header: 'name', variable: 'name', role: 'name' },
		{ index: 1, header: 'phone', variable: 'phone', role: 'phone' }
	],
	phoneColumn: 'phone',
	invalid: [
		{ row: 3, column: 'phone', value: LANDLINE, reason: 'a landline: it cannot receive texts', code: 'landline' },
		{ row: 4, column: 'phone', value: 'call me', reason: 'not a phone number', code: 'not_a_phone_number' }
	],
	duplicateRows: [{ row: 5, keptRow: 2, phone: FIRST, value: '(415) 555-0142' }],
	rejected: [
		{ row: 3, values: ['Ann', LANDLINE], reason: 'a landline: it cannot receive texts' },
		{ row: 4, values: ['Bob', 'call me'], reason: 'not a phone number' },
		{ row: 5, values: ['Cal', '(415) 555-0142'], reason: 'duplicate of row 2 (same number)' }
	]
};

type Audit = { id: string; action: string; target_id: string; actor_id: string | null; ip: string | null; created_at: Date; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
const auditRows = () =>
	t.sql<Audit[]>`select id::text as id, action, target_id, actor_id, ip::text as ip, created_at, before, after from public.audit_log where organization_id = ${org} order by id`;
let history: Audit[];

beforeAll(async () => {
	t = await createEmptyDatabase();
	const versions = await listMigrations();
	await migrate(t.sql, { upTo: versions.filter((m) => m.version < SEND_PATH_ENCRYPTION).at(-1)!.version, phoneCipher: cipher });
	[{ id: org }] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('audit-migration', 'AM') returning id`;
	// The workspace's own sender number: public, stays as it is in its audit row.
	await t.sql`update public.organizations set from_number = ${SENDER} where id = ${org}`;
	// The contacts trigger of the time copies the clear number into the audit log.
	[{ id: contact }] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_number, tags) values (${org}, 'Old Contact', ${FIRST}, '{vip}') returning id`;
	await t.sql`update public.contacts set phone_number = ${SECOND} where id = ${contact}`;
	[{ id: importId }] = await t.sql<{ id: string }[]>`
		insert into public.sms_campaign_imports (organization_id, file_name, report, columns, phone_column)
		values (${org}, 'list.csv', ${t.sql.json(OLD_REPORT)}, '{name,phone}', 'phone') returning id`;

	// Up to just before these migrations: the send path is sealed, the history and the report are not.
	await migrate(t.sql, { upTo: versions.filter((m) => m.version < AUDIT_SEALING).at(-1)!.version, phoneCipher: cipher });
	history = await auditRows();
}, 180_000);

afterAll(async () => {
	await t?.close();
});

const columnsInClear = async () => (await scanForClearPhones(t.sql, SCAN_OPTIONS)).map((h) => h.column);

describe('the audit history and import reports after 20261205100100', () => {
	it('before: the old contact rows and the report hold the numbers in clear', async () => {
		expect(history.filter((r) => r.action.startsWith('contact.')).map((r) => [r.action, r.before?.phone_number ?? null, r.after?.phone_number])).toEqual([
			['contact.created', null, FIRST],
			['contact.updated', FIRST, SECOND]
		]);
		expect(await columnsInClear()).toEqual(expect.arrayContaining(['public.audit_log.after', 'public.audit_log.before', 'public.sms_campaign_imports.report']));
	});

	it('refuses when run without its Node step (the numbers would stay in clear)', async () => {
		const file = (await listMigrations()).find((m) => m.version > AUDIT_SEALING && m.name === 'seal_audit_and_import_reports')!;
		expect(await readFile(file.file, 'utf8')).toContain('-- @node-step: seal-phones');
		const error = await sqlError(() =>
			t.sql.begin(async (tx) => {
				await tx.unsafe(await readFile((await listMigrations()).find((m) => m.version === AUDIT_SEALING)!.file, 'utf8'));
				await tx.unsafe(await readFile(file.file, 'utf8'));
			})
		);
		expect(error.message).toMatch(/audit_log: 2 row\(s\), sms_campaign_imports: 1 report\(s\) still hold numbers in clear/);
	});

	it('after: the plaintext scan finds nothing, with nothing allowed', async () => {
		await migrate(t.sql, { phoneCipher: cipher });
		expect(NOT_YET_ENCRYPTED).toEqual([]);
		expect(await columnsInClear()).toEqual([]);
		// A second run (or a crash half-way and a rerun) changes nothing.
		const once = await auditRows();
		await migrate(t.sql, { phoneCipher: cipher });
		expect(await auditRows()).toEqual(once);
	});

	it('seals each contact number into the shape written since (phone_enc + phone_hash), and changes nothing else', async () => {
		const now = await auditRows();
		expect(now.map(({ before: _b, after: _a, ...r }) => r)).toEqual(history.map(({ before: _b, after: _a, ...r }) => r));
		const byAction = new Map(now.map((r) => [r.action, r]));
		const created = byAction.get('contact.created')!;
		const { phone_number: _p, ...createdRest } = history.find((r) => r.action === 'contact.created')!.after!;
		expect(created.after).toEqual({ ...createdRest, phone_enc: expect.stringMatching(/^p1\.m1\./), phone_hash: cipher.blindIndex(FIRST) });
		expect(cipher.decrypt(created.after!.phone_enc as string)).toBe(FIRST);
		const updated = byAction.get('contact.updated')!;
		expect([updated.before, updated.after].map((s) => [cipher.decrypt(s!.phone_enc as string), s!.phone_hash])).toEqual([
			[FIRST, cipher.blindIndex(FIRST)],
			[SECOND, cipher.blindIndex(SECOND)]
		]);
		// The workspace's sender number is public and stays readable.
		expect(now.find((r) => r.action === 'organization.updated')!.after).toMatchObject({ from_number: SENDER });
	});

	it('seals the report\'s rejected cells, with the last four for display, and keeps the rest', async () => {
		const [{ report }] = await t.sql<{ report: typeof OLD_REPORT & Record<string, unknown> }[]>`select report from public.sms_campaign_imports where id = ${importId}`;
		expect(report).toMatchObject({ rows: 4, valid: 1, duplicates: 1, columns: OLD_REPORT.columns, phoneColumn: 'phone' });
		expect(report.invalid.map((x) => ({ ...x, value: cipher.decrypt(x.value) }))).toEqual([
			{ ...OLD_REPORT.invalid[0], last4: '8750' },
			{ ...OLD_REPORT.invalid[1], last4: null }
		]);
		expect(report.duplicateRows.map((x) => ({ ...x, phone: cipher.decrypt(x.phone), value: cipher.decrypt(x.value) }))).toEqual([{ ...OLD_REPORT.duplicateRows[0], last4: '0142' }]);
		expect(report.rejected.map((x) => ({ ...x, values: openRejectedCells(cipher, x.values) }))).toEqual([
			{ ...OLD_REPORT.rejected[0], last4: '8750' },
			{ ...OLD_REPORT.rejected[1], last4: null },
			{ ...OLD_REPORT.rejected[2], last4: '0142' }
		]);
	});

	it('forgetting the contact still forgets its number in its history', async () => {
		await t.db.asService((tx) => tx`select public.forget_contact(${contact})`);
		const rows = await t.sql<{ before: Record<string, unknown> | null; after: Record<string, unknown> | null }[]>`
			select before, after from public.audit_log where target_id = ${contact} and action in ('contact.created', 'contact.updated')`;
		for (const r of rows) for (const side of [r.before, r.after]) if (side) expect(side).toMatchObject({ phone_enc: '[forgotten]', phone_hash: '[forgotten]' });
		expect(await columnsInClear()).toEqual([]);
	});
});
