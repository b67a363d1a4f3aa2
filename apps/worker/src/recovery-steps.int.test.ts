import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Failpoint } from './deps.ts';
import { createSmsUser, messageRow, nextPhone, sandboxTexts, setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterEach(async () => {
	await Promise.all(env.workers.splice(0).map((w) => w.stop()));
});
afterAll(() => env.close());

/** A crash at `point`, `times` times in a row: the step before it happened, nothing after it. */
function crashAt(point: Failpoint, times: number) {
	const state = { crashes: 0 };
	const failpoint = (reached: Failpoint) => {
		if (reached === point && state.crashes < times) {
			state.crashes++;
			throw new Error(`crash injected ${point}`);
		}
	};
	return { failpoint, state };
}

/** A text as a worker that died mid-send leaves it: slot reserved, `dispatching`, no SID. */
async function interrupted(options: { reachedTwilio: boolean }) {
	const phone = nextPhone();
	const userId = await createSmsUser(env.sql, { phone, dailyLimit: 5 });
	const body = `interrupted ${phone}`;
	const [{ id }] = await env.sql<{ id: string }[]>`
		select public.queue_sms_message(p_user_id => ${userId}, p_phone_sealed => null, p_message => ${body},
		       p_scheduled_for => now() + interval '1 hour') as id`;
	await env.sql`select public.sms_begin_dispatch(${[id]}::uuid[], ${[new Date().toISOString().slice(0, 10)]}::date[], ${[5]}::int[])`;
	if (options.reachedTwilio) {
		const sent = await env.sms.send({ to: phone, body });
		if (!sent.ok) throw sent.error;
	}
	await env.sql`update public.queue_jobs set run_at = now() where id = (select queue_job_id from public.sms_messages where id = ${id})`;
	return { id, phone, userId };
}

const cases: { point: Failpoint; reachedTwilio: boolean }[] = [
	{ point: 'after_lookup', reachedTwilio: true },
	{ point: 'after_lookup', reachedTwilio: false },
	{ point: 'after_recover_unsent', reachedTwilio: false },
	{ point: 'after_begin_dispatch', reachedTwilio: false },
	{ point: 'after_send', reachedTwilio: false }
];

describe('a crash between any two recovery steps, twice over', () => {
	it.each(cases)('crash $point (interrupted send reached Twilio: $reachedTwilio) → sent once, counted once', async ({ point, reachedTwilio }) => {
		const t = await interrupted({ reachedTwilio });
		const crash = crashAt(point, 2);
		await env.startWorker({ failpoint: crash.failpoint, retryBaseMs: 20, retryMaxMs: 40, settleMs: 0 });
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, t.id);
			return r.twilio_sid && r.job_status === 'completed' ? r : null;
		});
		const texts = sandboxTexts(env.sandbox, t.phone);
		expect(texts.map((m) => m.sid)).toEqual([row.twilio_sid]);
		// The crashes really happened, each killing one attempt. (A point the next attempt does not
		// pass again — the text is no longer `dispatching`, or was found at Twilio — crashes once.)
		expect(crash.state.crashes).toBeGreaterThanOrEqual(1);
		expect(row.job_attempts).toBe(crash.state.crashes + 1);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${t.userId}`;
		expect(usage!.count).toBe(texts.length);
	});

	it('repeating "nothing at Twilio: give the slot back" changes nothing the second time', async () => {
		const t = await interrupted({ reachedTwilio: false });
		const first = await env.sql<{ changed: boolean }[]>`select public.sms_recover_unsent(${t.id}) as changed`;
		const again = await env.sql<{ changed: boolean }[]>`select public.sms_recover_unsent(${t.id}) as changed`;
		expect([first[0]!.changed, again[0]!.changed]).toEqual([true, false]);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${t.userId}`;
		expect(usage!.count).toBe(0);
	});

	it('two identical texts at Twilio since the attempt began: held as needs review, said on its timeline, not sent a third time', async () => {
		const t = await interrupted({ reachedTwilio: true });
		const [{ body }] = await env.sql<{ body: string }[]>`select message_content as body from public.sms_messages where id = ${t.id}`;
		const twin = await env.sms.send({ to: t.phone, body }); // another copy, e.g. from another app on the account
		if (!twin.ok) throw twin.error;
		await env.startWorker();
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, t.id);
			return r.job_status === 'failed' ? r : null;
		});
		expect(row.status).toBe('dispatching');
		expect(row.twilio_sid).toBeNull();
		expect(row.status_reason).toMatch(/^needs_review: 2 texts with the same body/);
		expect(row.job_last_error).toMatch(/^needs_review/);
		const [event] = await env.sql<{ reason: string; candidates: string[] }[]>`
			select payload->>'reason' as reason, payload->'candidates' as candidates
			from public.sms_delivery_events where message_id = ${t.id} and payload->>'reason' = 'needs_review'`;
		expect(event!.candidates.sort()).toEqual(sandboxTexts(env.sandbox, t.phone).map((m) => m.sid).sort());
		expect(sandboxTexts(env.sandbox, t.phone)).toHaveLength(2);
		// The slot stays held: the person may well have had the text.
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${t.userId}`;
		expect(usage!.count).toBe(1);
	});
});
