/**
 * The audit page and its CSV show a contact's number through the one viewer rule: the sealed
 * value in before/after (rows written since the send path was sealed, and old rows the
 * migration sealed) is opened for members allowed to see numbers and shown as its last four
 * otherwise — never as ciphertext or a blind index.
 */
import { createTestDatabase, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { phoneCipher, sealAuditJson } from '@sms/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCsv } from './audit-csv.ts';
import { listAudit } from './audit-log.ts';

let t: TestDatabase;
let org: string;

beforeAll(async () => {
	t = await createTestDatabase();
	[{ id: org }] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('audit-view', 'Audit View') returning id`;
	await t.sql`insert into public.contacts ${t.sql({ organization_id: org, name: 'New Contact', ...phoneColumns('+14155550181') })}`;
	await t.sql`select internal.write_audit(${org}, null, 'contact.created', 'contact', 'old', null,
		${t.sql.json(sealAuditJson(phoneCipher(), { name: 'Old Contact', phone_number: '+447700900182' }))}, null)`;
});
afterAll(async () => t?.close());

const list = (showNumbers: boolean) =>
	t.db.asService((tx) => listAudit(tx, { organizationId: org, filter: { actor: null, action: 'contact.created', before: null }, limit: 10, emails: new Map(), showNumbers }));

describe('audit rows with sealed numbers', () => {
	it('opens them for members allowed to see numbers, as last four for others, never as ciphertext', async () => {
		const open = (await list(true)).rows.map((r) => r.after);
		expect(open).toEqual([
			expect.objectContaining({ name: 'Old Contact', phone: '+447700900182' }),
			expect.objectContaining({ name: 'New Contact', phone: '+14155550181' })
		]);
		const masked = (await list(false)).rows.map((r) => r.after);
		expect(masked).toEqual([expect.objectContaining({ phone: '•••• 0182' }), expect.objectContaining({ phone: '•••• 0181' })]);
		for (const rows of [open, masked]) {
			const text = JSON.stringify(rows);
			expect(text).not.toMatch(/"p1\.|"h1\.|phone_enc|phone_hash/);
		}
		expect(JSON.stringify(masked)).not.toMatch(/\+[1-9]\d{6}/);
		const csv = auditCsv((await list(true)).rows);
		expect(csv).toContain('+447700900182');
		expect(csv).not.toContain('p1.');
	});
});
