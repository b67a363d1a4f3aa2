/**
 * Key rotation while the app writes: numbers keep arriving (under the new key), some old rows
 * are deleted, payloads arrive too — and afterwards every stored number is under the new key,
 * opens to what was written, and nothing deleted came back or went missing. The same for the
 * send path's five tables (texts, contacts, preferences, campaign recipients, opt-outs), with
 * texts queued, contacts renumbered and texts deleted while the rotation runs — and for the
 * sealed numbers in the audit history (rows the contacts trigger wrote, an old row the migration
 * sealed) and in a campaign upload's report (rejected and duplicate cells).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCipher, countStalePhones, newPhoneKey, openPayload, openRejectedCells, rotatePhoneKeys, sealAuditJson, sealImportReport, sealPayload } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';

const k1 = newPhoneKey();
const k2 = newPhoneKey();
const indexKey = newPhoneKey();
const oldCipher = new PhoneCipher({ keys: { k1 }, currentKeyId: 'k1', indexKey });
const newCipher = new PhoneCipher({ keys: { k1, k2 }, currentKeyId: 'k2', indexKey });

let t: TestDatabase;
let user: string;
const number = (i: number) => `+1415${String(i).padStart(7, '0')}`;

async function insertAttempts(cipher: PhoneCipher, from: number, count: number): Promise<void> {
	const sealed = Array.from({ length: count }, (_, k) => cipher.seal(number(from + k)));
	await t.sql`
		insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, action, outcome)
		select ${user}, e, h, l, 'start', 'sent'
		  from unnest(${sealed.map((s) => s.enc)}::text[], ${sealed.map((s) => s.hash)}::text[], ${sealed.map((s) => s.last4)}::text[]) as u(e, h, l)`;
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 8 });
	user = await createUser(t.sql, { email: 'rotation@example.com' });
	await insertAttempts(oldCipher, 0, 3000);
	for (let i = 0; i < 200; i += 1) {
		await t.sql`insert into public.sms_delivery_events (payload, source, applied)
			values (${t.sql.json(sealPayload(oldCipher, { MessageSid: `SMrot${i}`, To: number(i), From: '+15005550006' }))}, 'webhook', false)`;
	}
}, 120_000);

afterAll(async () => {
	await t?.close();
});

describe('rotating the phone key under traffic', () => {
	it('re-encrypts everything under the new key and loses nothing', async () => {
		expect(await countStalePhones(t.sql, newCipher)).toBe(3200);
		let writing = true;
		let written = 0;
		const deleted: number[] = [];
		const traffic = (async () => {
			let next = 100_000;
			while (writing) {
				await insertAttempts(newCipher, next, 25);
				next += 25;
				written += 25;
				// An old row disappears meanwhile (retention): rotation must not bring it back.
				const victim = 10 * deleted.length;
				const gone = await t.sql`delete from public.phone_verifications where phone_hash = ${newCipher.blindIndex(number(victim))} returning id`;
				if (gone.length > 0) deleted.push(victim);
				await new Promise((r) => setTimeout(r, 5));
			}
		})();
		const result = await rotatePhoneKeys(t.sql, newCipher, { batchSize: 100 });
		writing = false;
		await traffic;

		expect(result.find((r) => r.table === 'public.phone_verifications')!.rotated).toBeGreaterThanOrEqual(3000 - deleted.length);
		expect(written).toBeGreaterThan(0);
		expect(deleted.length).toBeGreaterThan(0);
		expect(await countStalePhones(t.sql, newCipher)).toBe(0);

		const rows = await t.sql<{ phone_enc: string; phone_hash: string; phone_last4: string }[]>`
			select phone_enc, phone_hash, phone_last4 from public.phone_verifications`;
		const expected = new Set([
			...Array.from({ length: 3000 }, (_, i) => number(i)).filter((_, i) => !deleted.includes(i)),
			...Array.from({ length: written }, (_, k) => number(100_000 + k))
		]);
		expect(rows.length).toBe(expected.size);
		const opened = rows.map((r) => newCipher.decrypt(r.phone_enc));
		expect(new Set(opened)).toEqual(expected);
		for (const [i, r] of rows.entries()) {
			expect(PhoneCipher.keyIdOf(r.phone_enc)).toBe('k2');
			expect(r.phone_hash).toBe(newCipher.blindIndex(opened[i]!));
			expect(r.phone_last4).toBe(opened[i]!.slice(-4));
		}
		// The old key alone can no longer open anything: it may be retired.
		expect(() => oldCipher.decrypt(rows[0]!.phone_enc)).toThrow(/not configured/);

		const events = await t.sql<{ payload: { MessageSid: string; To: string } }[]>`
			select payload from public.sms_delivery_events where payload ->> 'MessageSid' like 'SMrot%' order by id`;
		expect(events.map((e) => openPayload(newCipher, e.payload).To)).toEqual(Array.from({ length: 200 }, (_, i) => number(i)));
		expect(events.every((e) => PhoneCipher.keyIdOf(e.payload.To) === 'k2')).toBe(true);
	});
});

/** The send path's tables, filled under the old key. */
const SEND_PATH = ['public.sms_messages', 'public.contacts', 'public.user_sms_preferences', 'public.sms_campaign_recipients', 'public.sms_phone_opt_outs'];
const cols = (cipher: PhoneCipher, numbers: string[]) => {
	const s = numbers.map((n) => cipher.seal(n));
	return [s.map((x) => x.enc), s.map((x) => x.hash), s.map((x) => x.last4)] as const;
};

describe('rotating the phone key of the send path under traffic', () => {
	let org: string;
	let importId: string;
	const N = 600;
	const sp = (i: number) => `+1628${String(i).padStart(7, '0')}`;
	const OLD_AUDIT = '+16289999999';
	const LANDLINE = '+442071838750';
	const REPORT = {
		columns: [
			{ index: 0, header: 'name', variable: 'name', role: 'name' },
			{ index: 1, header: 'phone', variable: 'phone', role: 'phone' }
		],
		invalid: [{ row: 2, column: 'phone', value: LANDLINE, reason: 'a landline', code: 'landline' }],
		duplicateRows: [{ row: 4, keptRow: 3, phone: sp(1), value: sp(1) }],
		rejected: [
			{ row: 2, values: ['Ann', LANDLINE], reason: 'a landline' },
			{ row: 4, values: ['Bob', sp(1)], reason: 'duplicate of row 3 (same number)' }
		]
	};

	beforeAll(async () => {
		[{ id: org }] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('rotation', 'Rotation') returning id`;
		[{ id: importId }] = await t.sql<{ id: string }[]>`
			insert into public.sms_campaign_imports (organization_id, file_name, columns, phone_column) values (${org}, 'r.csv', '{phone}', 'phone') returning id`;
		const numbers = Array.from({ length: N }, (_, i) => sp(i));
		const users = await t.sql<{ id: string }[]>`
			insert into auth.users (email, email_confirmed_at) select 'rot-' || g || '@example.com', now() from generate_series(1, ${N}) g returning id`;
		const [e, h, l] = cols(oldCipher, numbers);
		await t.sql`insert into public.user_sms_preferences (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified)
			select u, e, h, l, '1', true from unnest(${users.map((u) => u.id)}::uuid[], ${e}::text[], ${h}::text[], ${l}::text[]) as x(u, e, h, l)`;
		const [ce, ch, cl] = cols(oldCipher, numbers);
		await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
			select ${org}, 'Contact ' || l, e, h, l, '1' from unnest(${ce}::text[], ${ch}::text[], ${cl}::text[]) as x(e, h, l)`;
		const [re, rh, rl] = cols(oldCipher, numbers);
		await t.sql`insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code)
			select ${importId}, n::int, e, h, l, '1' from unnest(${re}::text[], ${rh}::text[], ${rl}::text[]) with ordinality as x(e, h, l, n)`;
		const [oe, oh, ol] = cols(oldCipher, numbers.filter((_, i) => i % 3 === 0));
		await t.sql`insert into public.sms_phone_opt_outs (phone_enc, phone_hash, phone_last4, opted_out, opted_out_at, source)
			select e, h, l, true, now(), 'keyword' from unnest(${oe}::text[], ${oh}::text[], ${ol}::text[]) as x(e, h, l)`;
		await insertTexts(oldCipher, numbers);
		// An audit row from before the send path was sealed, as the migration's seal step left it.
		await t.sql`select internal.write_audit(${org}, null, 'contact.created', 'contact', 'old-contact', null,
			${t.sql.json(sealAuditJson(oldCipher, { name: 'Old', phone_number: OLD_AUDIT }))}, null)`;
		// An upload's report with a rejected landline and a duplicate, sealed when it was stored.
		await t.sql`insert into public.sms_campaign_imports (organization_id, file_name, report, columns, phone_column)
			values (${org}, 'rejects.csv', ${t.sql.json(sealImportReport(oldCipher, REPORT))}, '{name,phone}', 'phone')`;
	}, 120_000);

	async function insertTexts(cipher: PhoneCipher, numbers: string[]): Promise<void> {
		const [e, h, l] = cols(cipher, numbers);
		await t.sql`insert into public.sms_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status)
			select ${org}, ${user}, e, h, l, '1', 'Rotation text', 'delivered' from unnest(${e}::text[], ${h}::text[], ${l}::text[]) as x(e, h, l)`;
	}

	it('re-encrypts every table under the new key; texts queued, contacts renumbered and texts deleted meanwhile are kept as written', async () => {
		const stale = () => countStalePhones(t.sql, newCipher);
		// The five tables, the contacts' audit rows (contact.created, sealed by the trigger), the old audit row and the report.
		expect(await stale()).toBe(4 * N + N / 3 + N + 1 + 1);
		let writing = true;
		let next = 1_000_000;
		const written: string[] = [];
		const deleted = new Set<string>();
		const renumbered = new Map<string, string>();
		const traffic = (async () => {
			for (let k = 0; writing; k++) {
				const batch = Array.from({ length: 20 }, () => sp(next++));
				await insertTexts(newCipher, batch);
				written.push(...batch);
				// An old text goes (retention), a contact gets a new number (an edit) — under the new key.
				const victim = sp(k * 7);
				const gone = await t.sql`delete from public.sms_messages where phone_hash = ${newCipher.blindIndex(victim)} returning id`;
				if (gone.length > 0) deleted.add(victim);
				const from = sp(k * 11 + 1);
				const to = sp(5_000_000 + k);
				const s = newCipher.seal(to);
				const moved = await t.sql`update public.contacts set phone_enc = ${s.enc}, phone_hash = ${s.hash}, phone_last4 = ${s.last4}, name = ${'Contact ' + s.last4}
					where organization_id = ${org} and phone_hash = ${newCipher.blindIndex(from)} returning id`;
				if (moved.length > 0) renumbered.set(from, to);
				await new Promise((r) => setTimeout(r, 5));
			}
		})();
		const result = await rotatePhoneKeys(t.sql, newCipher, { batchSize: 100 });
		writing = false;
		await traffic;

		for (const table of SEND_PATH) expect(result.find((r) => r.table === table), `${table} is rotated`).toBeDefined();
		expect(result.find((r) => r.table === 'public.audit_log.before/after')!.rotated).toBeGreaterThanOrEqual(N + 1);
		expect(result.find((r) => r.table === 'public.sms_campaign_imports.report')!.rotated).toBe(1);
		expect(written.length).toBeGreaterThan(0);
		expect(deleted.size).toBeGreaterThan(0);
		expect(renumbered.size).toBeGreaterThan(0);
		expect(await stale()).toBe(0);

		const all = Array.from({ length: N }, (_, i) => sp(i));
		const check = async (table: string, where: string, want: string[]) => {
			const rows = await t.sql.unsafe<{ phone_enc: string; phone_hash: string; phone_last4: string }[]>(
				`select phone_enc, phone_hash, phone_last4 from ${table} where ${where}`
			);
			const opened = rows.map((r) => newCipher.decrypt(r.phone_enc));
			expect([...opened].sort(), table).toEqual([...want].sort());
			for (const [i, r] of rows.entries()) {
				expect(PhoneCipher.keyIdOf(r.phone_enc)).toBe('k2');
				expect(r.phone_hash).toBe(newCipher.blindIndex(opened[i]!));
				expect(r.phone_last4).toBe(opened[i]!.slice(-4));
			}
		};
		await check('public.sms_messages', `organization_id = '${org}'`, [...all.filter((n) => !deleted.has(n)), ...written]);
		await check('public.contacts', `organization_id = '${org}'`, all.map((n) => renumbered.get(n) ?? n));
		await check('public.user_sms_preferences', `phone_enc is not null and user_id in (select id from auth.users where email like 'rot-%')`, all);
		await check('public.sms_campaign_recipients', `import_id = '${importId}'`, all);
		await check('public.sms_phone_opt_outs', `true`, all.filter((_, i) => i % 3 === 0));

		// The audit history: each contact's created row (and the old sealed one) under the new key,
		// opening to its number, blind index unchanged; rows written meanwhile as they were.
		const audits = await t.sql<{ after: { phone_enc: string; phone_hash: string } }[]>`
			select after from public.audit_log where organization_id = ${org} and action = 'contact.created'`;
		expect(audits.length).toBe(N + 1);
		const openedAudit = audits.map((a) => newCipher.decrypt(a.after.phone_enc));
		expect(new Set(openedAudit)).toEqual(new Set([...all, OLD_AUDIT]));
		for (const [i, a] of audits.entries()) {
			expect(PhoneCipher.keyIdOf(a.after.phone_enc)).toBe('k2');
			expect(a.after.phone_hash).toBe(newCipher.blindIndex(openedAudit[i]!));
		}
		// The report: every sealed cell under the new key, opening to what was typed.
		const [{ report }] = await t.sql<{ report: { invalid: { value: string }[]; duplicateRows: { phone: string; value: string }[]; rejected: { values: string }[] } }[]>`
			select report from public.sms_campaign_imports where file_name = 'rejects.csv'`;
		const sealedCells = [report.invalid[0]!.value, report.duplicateRows[0]!.phone, report.duplicateRows[0]!.value, ...report.rejected.map((r) => r.values)];
		expect(sealedCells.map((v) => PhoneCipher.keyIdOf(v))).toEqual(sealedCells.map(() => 'k2'));
		expect([newCipher.decrypt(report.invalid[0]!.value), newCipher.decrypt(report.duplicateRows[0]!.phone)]).toEqual([LANDLINE, sp(1)]);
		expect(report.rejected.map((r) => openRejectedCells(newCipher, r.values))).toEqual(REPORT.rejected.map((r) => r.values));
	});
});
