/**
 * Key rotation while the app writes: numbers keep arriving (under the new key), some old rows
 * are deleted, payloads arrive too — and afterwards every stored number is under the new key,
 * opens to what was written, and nothing deleted came back or went missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhoneCipher, countStalePhones, newPhoneKey, openPayload, rotatePhoneKeys, sealPayload } from '@sms/db';
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
