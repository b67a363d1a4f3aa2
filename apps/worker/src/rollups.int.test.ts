/** The worker's rollup compaction against a real database: rows fold, sums stay. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { compactRollups } from './rollups.ts';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(() => t?.close());

const totals = () =>
	t.sql<{ status: string; n: string }[]>`select status, sum(messages)::text as n from public.sms_message_rollups
		group by status having sum(messages) <> 0 order by status`;

describe('compactRollups', () => {
	it('folds the deltas of many status changes into one row per key and keeps the totals', async () => {
		const user = await createUser(t.sql, { email: 'rollup-worker@example.com' });
		await t.sql`select public.set_verified_phone(${user}, ${sealedPhoneText('+14155557001')}::public.sealed_phone)`;
		for (let i = 0; i < 5; i++) {
			const [{ id }] = await t.sql<{ id: string }[]>`select public.queue_sms_message(${user}, null, 'hi') as id`;
			await t.sql`select public.mark_sms_dispatching(${id})`;
			await t.sql`select public.mark_sms_failed(${id}, 30003, 'Unreachable')`;
		}
		const before = await totals();
		expect(before).toEqual([{ status: 'failed', n: '5' }]);
		const removed = await compactRollups(t.sql, pino({ level: 'silent' }));
		expect(removed).toBeGreaterThan(0);
		expect(await totals()).toEqual(before);
		const [{ rows }] = await t.sql<{ rows: number }[]>`select count(*)::int as rows from public.sms_message_rollups`;
		expect(rows).toBe(1);
		// The overview's failure rollup folds too: five deltas of 30003 → one row of five.
		const failures = await t.sql<{ error_code: number; messages: string }[]>`select error_code, messages::text from public.sms_failure_rollups`;
		expect(failures).toEqual([{ error_code: 30003, messages: '5' }]);
		expect(await compactRollups(t.sql, pino({ level: 'silent' }))).toBe(0);
	});
});
