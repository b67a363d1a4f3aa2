import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsUser, messageRow, nextPhone, queueText, sandboxTexts, setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
	await env.startWorker({ concurrency: 4 });
});
afterAll(() => env.close());

describe('a time zone Node does not know', () => {
	it("('Factory', written past the checks) does not stop the user's texts: the worker decides in UTC", async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		// As an old row, or a hand-written UPDATE with triggers off, would have it.
		await env.sql.begin(async (tx) => {
			await tx`set local session_replication_role = replica`;
			await tx`update public.user_sms_preferences set time_zone = 'Factory' where user_id = ${userId}`;
		});
		const id = await queueText(env.sql, { userId, body: 'sent despite the bad zone' });
		const sent = await waitFor(async () => {
			const row = await messageRow(env.sql, id);
			return row.twilio_sid ? row : null;
		});
		expect(sent.job_attempts).toBeLessThanOrEqual(1);
		expect(sandboxTexts(env.sandbox, phone).map((t) => t.body)).toEqual(['sent despite the bad zone']);
	});
});
