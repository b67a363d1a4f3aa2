/**
 * The status rules live twice: in SQL (apply_sms_status moves messages) and in
 * @sms/twilio-service (the UI's verdicts, the worker). They must agree on every status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_STATUSES, TWILIO_STATUSES, normalizeTwilioStatus, statusRank } from '@sms/twilio-service';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

describe('status rules in SQL and TypeScript', () => {
	it('rank every one of our statuses the same', async () => {
		const rows = await t.sql<{ status: string; rank: number }[]>`
			select s as status, public.sms_status_rank(s) as rank from unnest(${[...MESSAGE_STATUSES]}::text[]) as s`;
		expect(Object.fromEntries(rows.map((r) => [r.status, r.rank]))).toEqual(
			Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, statusRank(s)]))
		);
	});

	it("normalise every one of Twilio's statuses (and an unknown one) the same", async () => {
		const raw = [...TWILIO_STATUSES, 'DELIVERED', 'no-such-status'];
		const rows = await t.sql<{ raw: string; status: string | null }[]>`
			select r as raw, public.normalize_twilio_status(r) as status from unnest(${raw}::text[]) as r`;
		expect(Object.fromEntries(rows.map((r) => [r.raw, r.status]))).toEqual(
			Object.fromEntries(raw.map((r) => [r, normalizeTwilioStatus(r)]))
		);
	});
});
