/**
 * A change of time zone never grants extra texts: switching to a zone where it is already
 * tomorrow must not open a fresh day's allowance (nor a fresh hard cap, counted the same way).
 * Pago Pago (UTC−11) and Kiritimati (UTC+14) are 25 hours apart: their dates always differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createPerson } from './fixtures.ts';

const BEHIND = 'Pacific/Pago_Pago';
const AHEAD = 'Pacific/Kiritimati';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
});

afterAll(async () => {
	await t?.close();
});

/** Today's date in `zone`, as the worker computes it (it passes the date to the function). */
async function today(zone: string): Promise<string> {
	const [{ d }] = await t.sql<{ d: string }[]>`select ((now() at time zone ${zone})::date)::text as d`;
	return d;
}

async function reserve(userId: string, zone: string, limit: number): Promise<boolean> {
	return t.db.asService(async (tx) => {
		const [{ ok }] = await tx<{ ok: boolean }[]>`select public.reserve_sms_daily_slot(${userId}, ${await today(zone)}::date, ${limit}) as ok`;
		return ok;
	});
}

async function setZone(userId: string, zone: string): Promise<void> {
	await t.sql`update public.user_sms_preferences set time_zone = ${zone} where user_id = ${userId}`;
}

describe('daily limit across a change of time zone', () => {
	for (const [from, to] of [
		[BEHIND, AHEAD],
		[AHEAD, BEHIND]
	]) {
		it(`using up the day in ${from}, then switching to ${to}, gives no extra text`, async () => {
			const person = await createPerson(t.sql, 'tz');
			await setZone(person.id, from);
			for (let i = 0; i < 3; i++) expect(await reserve(person.id, from, 3)).toBe(true);
			expect(await reserve(person.id, from, 3)).toBe(false);
			await setZone(person.id, to);
			expect(await reserve(person.id, to, 3)).toBe(false);
		});
	}

	it('the hard cap (urgent texts, a higher limit) is not reset either', async () => {
		const person = await createPerson(t.sql, 'tz-cap');
		await setZone(person.id, BEHIND);
		for (let i = 0; i < 5; i++) expect(await reserve(person.id, BEHIND, 5)).toBe(true);
		await setZone(person.id, AHEAD);
		expect(await reserve(person.id, AHEAD, 5)).toBe(false);
	});

	it('switching back and forth does not reset the count', async () => {
		const person = await createPerson(t.sql, 'tz-flip');
		await setZone(person.id, BEHIND);
		expect(await reserve(person.id, BEHIND, 3)).toBe(true);
		await setZone(person.id, AHEAD);
		expect(await reserve(person.id, AHEAD, 3)).toBe(true);
		await setZone(person.id, BEHIND);
		expect(await reserve(person.id, BEHIND, 3)).toBe(true);
		await setZone(person.id, AHEAD);
		expect(await reserve(person.id, AHEAD, 3)).toBe(false);
		await setZone(person.id, 'UTC');
		expect(await reserve(person.id, 'UTC', 3)).toBe(false);
	});

	it('what was not used stays available after the change', async () => {
		const person = await createPerson(t.sql, 'tz-rest');
		await setZone(person.id, BEHIND);
		expect(await reserve(person.id, BEHIND, 3)).toBe(true);
		await setZone(person.id, AHEAD);
		expect(await reserve(person.id, AHEAD, 3)).toBe(true);
		expect(await reserve(person.id, AHEAD, 3)).toBe(true);
		expect(await reserve(person.id, AHEAD, 3)).toBe(false);
	});

	it('a released slot is given back in every count it was taken from', async () => {
		const person = await createPerson(t.sql, 'tz-release');
		await setZone(person.id, BEHIND);
		for (let i = 0; i < 2; i++) expect(await reserve(person.id, BEHIND, 2)).toBe(true);
		await setZone(person.id, AHEAD);
		expect(await reserve(person.id, AHEAD, 2)).toBe(false);
		// The worker gives back a slot for a send that did not happen, on the date it reserved.
		const reservedOn = await today(BEHIND);
		await t.db.asService((tx) => tx`select public.release_sms_daily_slot(${person.id}, ${reservedOn}::date)`);
		expect(await reserve(person.id, AHEAD, 2)).toBe(true);
		expect(await reserve(person.id, AHEAD, 2)).toBe(false);
	});
});
