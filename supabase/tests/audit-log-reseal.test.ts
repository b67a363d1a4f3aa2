/**
 * The audit log stays append-only with one narrow door for the numbers in it: the migration's
 * seal step and key rotation (Node, as the table owner) may replace a clear number in
 * before/after with its sealed form, or re-encrypt a sealed value, through
 * internal.reseal_audit_phones — and nothing else. Every signed-in role, anon and the service
 * role still cannot update or delete a row (with the setting set by hand or not, and they cannot
 * call the function); the owner's own calls are refused when they change anything but numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { PhoneCipher, newPhoneKey } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { sqlState } from './fixtures.ts';
import { ROLE_NAMES, createWorkspaces, tryAsRole, type Workspaces } from './workspace-fixtures.ts';

const keys = { r1: newPhoneKey(), r2: newPhoneKey() };
const indexKey = newPhoneKey();
const cipher = new PhoneCipher({ keys, currentKeyId: 'r1', indexKey });
const rotatedCipher = new PhoneCipher({ keys, currentKeyId: 'r2', indexKey });
const NUMBER = '+14155550142';
const NEW_NUMBER = '+14155550143';

let t: TestDatabase;
let w: Workspaces;
let created: string;
let renumbered: string;

type Json = Record<string, unknown> | null;
interface AuditRow {
	id: string;
	action: string;
	before: Json;
	after: Json;
}

const read = async (id: string) => (await t.sql<AuditRow[]>`select id::text as id, action, before, after from public.audit_log where id = ${id}`)[0]!;
const digest = async () => (await t.sql<{ d: string }[]>`select md5(string_agg(to_jsonb(a)::text, ',' order by id)) as d from public.audit_log a`)[0]!.d;

/** The function's argument: each row as read and as it should become. */
const change = (row: AuditRow, next: { before?: Json; after?: Json }) =>
	[{ id: row.id, before_old: row.before, after_old: row.after, before_new: next.before ?? row.before, after_new: next.after ?? row.after }];

const reseal = (tx: TransactionSql | TestDatabase['sql'], rows: unknown) =>
	tx<{ n: number }[]>`select internal.reseal_audit_phones(${tx.json(rows as never)}) as n`;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'reseal');
	// Rows as the contacts trigger wrote them before the send path was sealed: the number in clear.
	[{ id: created }] = await t.sql<{ id: string }[]>`
		select internal.write_audit(${w.a}, null, 'contact.created', 'contact', gen_random_uuid()::text, null,
			${t.sql.json({ name: 'Old Contact', phone_number: NUMBER, tags: ['vip'] })}, null)::text as id`;
	[{ id: renumbered }] = await t.sql<{ id: string }[]>`
		select internal.write_audit(${w.a}, null, 'contact.updated', 'contact', gen_random_uuid()::text,
			${t.sql.json({ phone_number: NUMBER })}, ${t.sql.json({ phone_number: NEW_NUMBER })}, null)::text as id`;
});

afterAll(async () => {
	await t?.close();
});

const sealedAfter = (row: AuditRow, e164: string): Record<string, unknown> => {
	const { phone_number: _clear, ...rest } = row.after as Record<string, unknown>;
	const s = cipher.seal(e164);
	return { ...rest, phone_enc: s.enc, phone_hash: s.hash };
};

describe('nobody but the seal step and rotation may touch an audit row', () => {
	it('every role, anon and the service role: no update, no delete, no call — even with the setting set by hand', async () => {
		const before = await digest();
		const row = await read(created);
		const sealed = JSON.stringify(sealedAfter(row, NUMBER));
		const attempts = {
			update: (tx: TransactionSql) =>
				tx`select set_config('internal.resealing_audit_phones', 'on', true)`.then(() =>
					tx`update public.audit_log set after = ${sealed}::jsonb where id = ${created}`),
			delete: (tx: TransactionSql) =>
				tx`select set_config('internal.resealing_audit_phones', 'on', true)`.then(() => tx`delete from public.audit_log where id = ${created}`),
			call: (tx: TransactionSql) => reseal(tx, change(row, { after: JSON.parse(sealed) as Json }))
		};
		const outcomes: Record<string, Record<string, string>> = {};
		for (const role of [...ROLE_NAMES, 'service_role'] as const) {
			for (const [name, attempt] of Object.entries(attempts)) {
				const state = await sqlState(() =>
					role === 'service_role'
						? t.db.asService(async (tx) => {
								await attempt(tx);
								throw new Error('rolled back');
							})
						: tryAsRole(t, w, role, attempt)
				);
				(outcomes[role] ??= {})[name] = state;
			}
		}
		const denied = { update: '42501', delete: '42501', call: '42501' };
		expect(outcomes).toEqual(Object.fromEntries([...ROLE_NAMES, 'service_role'].map((r) => [r, denied])));
		expect(await digest()).toBe(before);
	});

	it('the table owner: refused outside the function, and refused by it for anything but sealing a number', async () => {
		const before = await digest();
		const row = await read(created);
		const sealed = sealedAfter(row, NUMBER);
		// A plain update or delete, as before.
		expect(await sqlState(() => t.sql`update public.audit_log set after = ${t.sql.json(sealed as never)} where id = ${created}`)).toBe('WS022');
		expect(await sqlState(() => t.sql`delete from public.audit_log where id = ${created}`)).toBe('WS022');
		// Through the function, each change that is more than sealing the number.
		const tampered: Record<string, Json> = {
			'renames the contact': { ...sealed, name: 'Someone Else' },
			'drops a field': (({ tags: _t, ...r }) => r)(sealed),
			'adds a field': { ...sealed, note: 'added later' },
			'puts text where the number was': { ...(({ phone_enc: _e, phone_hash: _h, ...r }) => r)(sealed), phone_number: 'redacted' },
			'seals without a blind index': (({ phone_hash: _h, ...r }) => r)(sealed),
			'seals a field that held no number': { ...sealed, name: cipher.encrypt('Old Contact') },
			'removes the number': (({ phone_enc: _e, phone_hash: _h, ...r }) => r)(sealed)
		};
		for (const [what, after] of Object.entries(tampered)) {
			expect(await sqlState(() => reseal(t.sql, change(row, { after }))), what).toBe('WS022');
		}
		// Another column of the row is never rewritten (the function takes before/after only;
		// a direct update with the setting on is refused when it changes anything else).
		expect(
			await sqlState(() =>
				t.sql.begin(async (tx) => {
					await tx`select set_config('internal.resealing_audit_phones', 'on', true)`;
					await tx`update public.audit_log set action = 'contact.deleted', after = ${tx.json(sealed as never)} where id = ${created}`;
				})
			)
		).toBe('WS022');
		expect(await digest()).toBe(before);
	});

	it('seals the clear number, then re-encrypts it under a new key, keeping its blind index; the setting does not outlive the call', async () => {
		const row = await read(created);
		const sealed = sealedAfter(row, NUMBER);
		await t.sql.begin(async (tx) => {
			expect((await reseal(tx, change(row, { after: sealed })))[0]!.n).toBe(1);
			// Later statements of the same transaction get no door.
			expect(await sqlState(() => tx.savepoint((sp) => sp`update public.audit_log set after = '{}' where id = ${created}`))).toBe('WS022');
		});
		const now = await read(created);
		expect(now.after).toEqual(sealed);
		expect(now.action).toBe('contact.created');

		// A stale read (the row changed since) is skipped, not overwritten.
		expect((await reseal(t.sql, change(row, { after: sealed })))[0]!.n).toBe(0);

		const rotated = { ...sealed, phone_enc: rotatedCipher.encrypt(NUMBER) };
		expect((await reseal(t.sql, change(now, { after: rotated })))[0]!.n).toBe(1);
		// Rotation must keep the blind index: a different hash is a different number.
		const later = await read(created);
		expect(await sqlState(() => reseal(t.sql, change(later, { after: { ...later.after, phone_hash: cipher.blindIndex(NEW_NUMBER) } })))).toBe('WS022');

		// The update row: both sides sealed, each to its own number.
		const r = await read(renumbered);
		const b = cipher.seal(NUMBER);
		const a = cipher.seal(NEW_NUMBER);
		expect((await reseal(t.sql, change(r, { before: { phone_enc: b.enc, phone_hash: b.hash }, after: { phone_enc: a.enc, phone_hash: a.hash } })))[0]!.n).toBe(1);
	});
});
