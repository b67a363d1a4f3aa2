/** Phone ownership (one verified owner per number) and number-level opt-outs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, nextPhone, openPhone, phoneHash, sealedPhoneText, sqlError, type Person } from './fixtures.ts';

const sealed = (e164: string) => sealedPhoneText(e164);

let t: TestDatabase;
let alice: Person;
let bob: Person;

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	bob = await createPerson(t.sql, 'bob');
});

afterAll(async () => {
	await t?.close();
});

async function prefs(userId: string) {
	const [row] = await t.sql<
		{ phone_enc: string | null; phone_hash: string | null; phone_last4: string | null; phone_verified: boolean; phone_verified_at: Date | null; opted_out: boolean; opted_out_at: Date | null }[]
	>`select phone_enc, phone_hash, phone_last4, phone_verified, phone_verified_at, opted_out, opted_out_at
		from public.user_sms_preferences where user_id = ${userId}`;
	if (!row) return row;
	const { phone_enc, phone_hash, phone_last4, ...rest } = row;
	// The number as it opens (and its hash must be the number's): sealing is randomized.
	const phone_number = phone_enc === null ? null : openPhone(phone_enc);
	if (phone_number !== null) {
		expect(phone_hash).toBe(phoneHash(phone_number));
		expect(phone_last4).toBe(phone_number.slice(-4));
	} else expect([phone_hash, phone_last4]).toEqual([null, null]);
	return { phone_number, ...rest };
}

describe('set_verified_phone', () => {
	it("refuses a number another account has verified (SM010 phone_taken) and leaves both rows alone", async () => {
		const before = [await prefs(alice.id), await prefs(bob.id)];
		const error = await sqlError(() => t.db.asService((tx) => tx`select public.set_verified_phone(${bob.id}, ${sealed(alice.phone)}::public.sealed_phone)`));
		expect(error.code).toBe('SM010');
		expect(error.message).toMatch(/^phone_taken:/);
		expect([await prefs(alice.id), await prefs(bob.id)]).toEqual(before);
	});

	it('two accounts verifying the same new number at once: exactly one wins', async () => {
		const phone = nextPhone();
		const [u1, u2] = [await createUser(t.sql), await createUser(t.sql)];
		const results = await Promise.allSettled(
			[u1, u2].map((u) => t.db.asService((tx) => tx`select public.set_verified_phone(${u}, ${sealed(phone)}::public.sealed_phone)`))
		);
		expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
		const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect((rejected.reason as { code: string }).code).toBe('SM010');
	});

	it('rejects a malformed number (SM004) and an unknown user (SM006)', async () => {
		// A clear number where the ciphertext belongs is refused, and the error never echoes it.
		const clear = await sqlError(() => t.sql`select public.set_verified_phone(${alice.id}, row('+15550100', 'h1.x', '0100', '1')::public.sealed_phone)`);
		expect(clear.code).toBe('SM004');
		expect(clear.message).toMatch(/not a sealed value/);
		expect(clear.message).not.toContain('5550100');
		expect(
			(await sqlError(() => t.sql`select public.set_verified_phone('00000000-0000-4000-8000-000000000000', ${sealed(nextPhone())}::public.sealed_phone)`)).code
		).toBe('SM006');
	});
});

describe('set_unverified_phone and clear_phone', () => {
	it('a different number un-verifies; the same number keeps the verification', async () => {
		const carol = await createPerson(t.sql, 'carol');
		await t.sql`select public.set_unverified_phone(${carol.id}, ${sealed(carol.phone)}::public.sealed_phone)`;
		expect(await prefs(carol.id)).toMatchObject({ phone_number: carol.phone, phone_verified: true });
		const other = nextPhone();
		await t.sql`select public.set_unverified_phone(${carol.id}, ${sealed(other)}::public.sealed_phone)`;
		expect(await prefs(carol.id)).toMatchObject({ phone_number: other, phone_verified: false, phone_verified_at: null });
		await t.sql`select public.clear_phone(${carol.id})`;
		expect(await prefs(carol.id)).toMatchObject({ phone_number: null, phone_verified: false });
	});

	it("an unverified copy of someone's number does not block or disturb its verified owner", async () => {
		const mallory = await createUser(t.sql);
		await t.sql`select public.set_unverified_phone(${mallory}, ${sealed(alice.phone)}::public.sealed_phone)`;
		expect(await prefs(alice.id)).toMatchObject({ phone_number: alice.phone, phone_verified: true });
	});
});

describe('record_phone_opt_out', () => {
	it('STOP opts the number out for every account holding it; START opts it back in', async () => {
		const dave = await createPerson(t.sql, 'dave');
		const copy = await createUser(t.sql);
		await t.sql`select public.set_unverified_phone(${copy}, ${sealed(dave.phone)}::public.sealed_phone)`;

		const [stop] = await t.sql`select public.record_phone_opt_out(${sealed(dave.phone)}::public.sealed_phone, true, 'keyword', 'STOP') as r`;
		expect(stop.r.opted_out).toBe(true);
		expect([...stop.r.user_ids].sort()).toEqual([dave.id, copy].sort());
		expect(await prefs(dave.id)).toMatchObject({ opted_out: true });
		expect((await prefs(dave.id)).opted_out_at).toBeInstanceOf(Date);
		const [row] = await t.sql`select opted_out, source, last_keyword from public.sms_phone_opt_outs where phone_hash = ${phoneHash(dave.phone)}`;
		expect(row).toEqual({ opted_out: true, source: 'keyword', last_keyword: 'STOP' });

		// The owner can see the opt-out of their own verified number.
		const seen = await asPerson(t, dave, (tx) => tx`select opted_out from public.sms_phone_opt_outs`);
		expect(seen).toEqual([{ opted_out: true }]);

		await t.sql`select public.record_phone_opt_out(${sealed(dave.phone)}::public.sealed_phone, false, 'keyword', 'START')`;
		expect(await prefs(dave.id)).toMatchObject({ opted_out: false, opted_out_at: null });
		const [after] = await t.sql`select opted_out, opted_in_at from public.sms_phone_opt_outs where phone_hash = ${phoneHash(dave.phone)}`;
		expect(after.opted_out).toBe(false);
		expect(after.opted_in_at).toBeInstanceOf(Date);
	});

	it('rejects an unknown source', async () => {
		expect((await sqlError(() => t.sql`select public.record_phone_opt_out(${sealed(alice.phone)}::public.sealed_phone, true, 'carrier')`)).code).toBe('SM013');
	});
});
