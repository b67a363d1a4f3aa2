/** reserve_sms_daily_slot: the daily limit holds under concurrency. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createPerson, type Person } from './fixtures.ts';

let t: TestDatabase;
let alice: Person;

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
});

afterAll(async () => {
	await t?.close();
});

async function usage(date: string): Promise<number | undefined> {
	const [row] = await t.sql`select count from public.sms_daily_usage where user_id = ${alice.id} and local_date = ${date}`;
	return row?.count as number | undefined;
}

describe('reserve_sms_daily_slot', () => {
	it('100 concurrent reservations from a pool of 20 connections against a limit of 10: exactly 10 succeed', async () => {
		const pool = postgres(t.url, { max: 20, onnotice: () => {} });
		try {
			const results = await Promise.all(
				Array.from({ length: 100 }, () =>
					pool.begin(async (tx) => {
						await tx`set local role service_role`;
						const [row] = await tx<{ ok: boolean }[]>`select public.reserve_sms_daily_slot(${alice.id}, '2026-03-01', 10) as ok`;
						return row.ok;
					})
				)
			);
			expect(results.filter(Boolean).length).toBe(10);
		} finally {
			await pool.end();
		}
		expect(await usage('2026-03-01')).toBe(10);
	});

	it('counts each local date separately', async () => {
		const reserve = async (date: string, limit: number) =>
			(await t.sql<{ ok: boolean }[]>`select public.reserve_sms_daily_slot(${alice.id}, ${date}, ${limit}) as ok`)[0].ok;
		expect(await reserve('2026-03-02', 1)).toBe(true);
		expect(await reserve('2026-03-02', 1)).toBe(false);
		expect(await reserve('2026-03-03', 1)).toBe(true);
	});

	it('a limit of zero allows nothing and records nothing', async () => {
		const [row] = await t.sql`select public.reserve_sms_daily_slot(${alice.id}, '2026-03-04', 0) as ok`;
		expect(row.ok).toBe(false);
		expect(await usage('2026-03-04')).toBeUndefined();
	});

	it('release_sms_daily_slot gives a slot back, never below zero', async () => {
		await t.sql`select public.reserve_sms_daily_slot(${alice.id}, '2026-03-05', 1)`;
		const [full] = await t.sql`select public.reserve_sms_daily_slot(${alice.id}, '2026-03-05', 1) as ok`;
		expect(full.ok).toBe(false);
		const [released] = await t.sql`select public.release_sms_daily_slot(${alice.id}, '2026-03-05') as ok`;
		expect(released.ok).toBe(true);
		const [again] = await t.sql`select public.reserve_sms_daily_slot(${alice.id}, '2026-03-05', 1) as ok`;
		expect(again.ok).toBe(true);
		await t.sql`select public.release_sms_daily_slot(${alice.id}, '2026-03-05')`;
		const [none] = await t.sql`select public.release_sms_daily_slot(${alice.id}, '2026-03-05') as ok`;
		expect(none.ok).toBe(false);
		expect(await usage('2026-03-05')).toBe(0);
	});
});
