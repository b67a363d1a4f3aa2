import type { Faults } from '@sms/twilio-sandbox';
import { SMSService, TwilioClient } from '@sms/twilio-service';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
	ACCOUNT_SID,
	AUTH_TOKEN,
	FROM,
	createSmsUser,
	messageRow,
	nextPhone,
	phoneColumns,
	phoneHash,
	queueSettled,
	queueText,
	sandboxTexts,
	setupWorkerEnv,
	waitFor,
	type WorkerTestEnv
} from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(() => env.close());
afterEach(async () => {
	await Promise.all(env.workers.splice(0).map((w) => w.stop()));
	setFaults({});
});

function setFaults(f: Partial<Faults>): void {
	env.sandbox.state.faults = { latencyMs: 0, answerDelayMs: 0, rate429: 0, rate503: 0, duplicateCallbacks: 0, reorderCallbacks: 0, dropCallbacks: 0, ...f };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WorkerEvent {
	status: string;
	reason: string | null;
	scheduled_for: string | null;
	received_at: Date;
}

async function workerEvents(id: string): Promise<WorkerEvent[]> {
	return env.sql<WorkerEvent[]>`
		select status, payload->>'reason' as reason, payload->>'scheduled_for' as scheduled_for, received_at
		from public.sms_delivery_events where message_id = ${id} and source = 'worker' order by id`;
}

describe('transient errors', () => {
	it('429 then 503 for a while: every text still sent exactly once, attempts and back-off recorded', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		setFaults({ rate429: 1 });
		await env.startWorker({ retryBaseMs: 100, retryMaxMs: 800, maxAttempts: 20 });
		const ids: string[] = [];
		for (let i = 0; i < 20; i++) ids.push(await queueText(env.sql, { userId, body: `through the storm ${i}` }));
		await env.sql`update public.queue_jobs set max_attempts = 20 where id in (select queue_job_id from public.sms_messages where id = any(${ids}::uuid[]))`;

		await sleep(700);
		setFaults({ rate503: 1 });
		await sleep(700);
		setFaults({});
		await waitFor(async () => (await Promise.all(ids.map((id) => messageRow(env.sql, id)))).every((r) => r.twilio_sid));

		const texts = sandboxTexts(env.sandbox, phone);
		expect(texts).toHaveLength(20);
		expect(new Set(texts.map((t) => t.body)).size).toBe(20);
		const reasons = new Set<string>();
		for (const id of ids) {
			const row = await messageRow(env.sql, id);
			expect(row.job_status).toBe('completed');
			// Every text met at least one refusal (the 429 window opens before the worker starts).
			expect(row.job_attempts).toBeGreaterThanOrEqual(2);
			expect(row.attempt_count).toBe(row.job_attempts);
			const events = await workerEvents(id);
			const retries = events.filter((e) => e.status === 'scheduled');
			const attempts = events.filter((e) => e.status === 'dispatching');
			expect(retries.length).toBe(row.job_attempts - 1);
			expect(attempts.length).toBe(row.job_attempts);
			for (const r of retries) reasons.add(r.reason ?? '');
			// Back-off: retry k waits w in [d/2, d], d = min(800, 100 · 2^(k-1)) (equal jitter). The
			// worker picks runAt between the attempt's start (its `dispatching` event) and the
			// retry's own event, so whatever the load: runAt − attempt start ≥ w ≥ d/2, and
			// runAt − retry event ≤ w ≤ d. The lower bound grows with k: a flat back-off fails it.
			retries.forEach((r, k) => {
				const d = Math.min(800, 100 * 2 ** k);
				const runAt = Date.parse(r.scheduled_for!);
				expect(runAt - attempts[k]!.received_at.getTime()).toBeGreaterThanOrEqual(d / 2 - 1); // 1 ms: Date has ms, now() µs
				expect(runAt - r.received_at.getTime()).toBeLessThanOrEqual(d + 1);
			});
		}
		// Which texts meet which fault depends on timing; both kinds are met and retried.
		expect(reasons.has('retrying: Too many requests')).toBe(true);
		expect([...reasons].some((r) => r.startsWith('retrying:') && r !== 'retrying: Too many requests')).toBe(true);
		// Retries gave their daily slots back: the count equals the texts really sent.
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${userId}`;
		expect(usage.count).toBe(20);
	});

	it('gives up after the last attempt: failed with the last error, a visible dead letter', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		setFaults({ rate503: 1 });
		await env.startWorker({ retryBaseMs: 20, retryMaxMs: 50, maxAttempts: 3 });
		const id = await queueText(env.sql, { userId, body: 'never makes it' });
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.status === 'failed' ? r : null;
		});
		expect(row.job_status).toBe('failed');
		expect(row.job_attempts).toBe(3);
		expect(row.job_last_error).toMatch(/^retries_exhausted: Gave up after 3 attempts/);
		expect(row.error_code).toBe(20503);
		expect(row.error_message).toMatch(/Gave up after 3 attempts/);
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(0);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${userId}`;
		expect(usage?.count ?? 0).toBe(0);
	});
});

describe('permanent errors', () => {
	it('fails at once with Twilio’s code and does not retry', async () => {
		const userId = await createSmsUser(env.sql, { phone: '+15005550001' }); // sandbox: 21211 invalid number
		await env.startWorker();
		const id = await queueText(env.sql, { userId, body: 'to an invalid number' });
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.status === 'failed' ? r : null;
		});
		expect(row.error_code).toBe(21211);
		expect(row.job_status).toBe('failed');
		expect(row.job_attempts).toBe(1);
		expect(row.attempt_count).toBe(1);
		await sleep(300);
		expect((await messageRow(env.sql, id)).job_attempts).toBe(1);
		expect(sandboxTexts(env.sandbox, '+15005550001')).toHaveLength(0);
	});

	it('21610 (unsubscribed recipient) also records the number as opted out', async () => {
		const phone = '+15005550004';
		const userId = await createSmsUser(env.sql, { phone });
		await env.startWorker();
		const id = await queueText(env.sql, { userId, body: 'to someone who replied STOP' });
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.status === 'failed' ? r : null;
		});
		expect(row.error_code).toBe(21610);
		const [optOut] = await env.sql<{ opted_out: boolean; source: string }[]>`
			select opted_out, source from public.sms_phone_opt_outs where phone_hash = ${phoneHash(phone)}`;
		expect(optOut).toEqual({ opted_out: true, source: 'twilio_21610' });
		// The next text to that number is not even tried.
		const next = await queueText(env.sql, { userId, body: 'a later text' });
		const suppressed = await waitFor(async () => {
			const r = await messageRow(env.sql, next);
			return r.status === 'suppressed' ? r : null;
		});
		expect(suppressed.status_reason).toBe('opted_out');
	});
});

describe('interrupted sends (exactly once)', () => {
	/** A text the crashed worker had marked `dispatching` (slot reserved), as if it died there. */
	async function interrupted(body: string) {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		const [{ id }] = await env.sql<{ id: string }[]>`
			select public.queue_sms_message(p_user_id => ${userId}, p_phone_sealed => null, p_message => ${body},
			       p_scheduled_for => now() + interval '1 hour') as id`;
		// The worker's own first step: slot reserved and `dispatching`, in one transaction.
		const [start] = await env.sql<{ outcome: string; previous: string }[]>`
			select outcome, previous from public.sms_begin_dispatch(${[id]}::uuid[], ${[new Date().toISOString().slice(0, 10)]}::date[], ${[50]}::int[])`;
		expect(start).toEqual({ outcome: 'dispatching', previous: 'scheduled' });
		const makeDue = () => env.sql`
			update public.queue_jobs set run_at = now() where id = (select queue_job_id from public.sms_messages where id = ${id})`;
		return { id, phone, userId, makeDue };
	}

	it('a send that reached Twilio before the crash is found and stored, not sent again', async () => {
		const t = await interrupted('reached Twilio, then the worker died');
		const first = await env.sms.send({ to: t.phone, body: 'reached Twilio, then the worker died' });
		expect(first.ok).toBe(true);
		const worker = await env.startWorker();
		await t.makeDue();
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, t.id);
			return r.job_status === 'completed' ? r : null;
		});
		expect(row.twilio_sid).toBe(first.ok ? first.sid : null);
		expect(sandboxTexts(env.sandbox, t.phone)).toHaveLength(1);
		expect((await worker.metrics.recovered.get()).values[0]?.value).toBe(1);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${t.userId}`;
		expect(usage.count).toBe(1);
	});

	it('a send that never reached Twilio is sent once, its slot counted once', async () => {
		const t = await interrupted('the worker died before Twilio saw it');
		await env.startWorker();
		await t.makeDue();
		const row = await waitFor(async () => {
			const r = await messageRow(env.sql, t.id);
			return r.job_status === 'completed' ? r : null;
		});
		expect(row.twilio_sid).not.toBeNull();
		expect(sandboxTexts(env.sandbox, t.phone).map((m) => m.sid)).toEqual([row.twilio_sid]);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${t.userId}`;
		expect(usage.count).toBe(1);
	});

	it('a call Twilio did not answer in time (but processed) is checked before any resend', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		const impatient = new SMSService({
			client: new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, baseUrl: env.sandbox.url, timeoutMs: 250 })
		});
		setFaults({ latencyMs: 700 });
		const worker = await env.startWorker({ sms: impatient, settleMs: 1000, retryBaseMs: 20 });
		const id = await queueText(env.sql, { userId, body: 'slow answer' });
		const timedOut = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.job_status === 'pending' && r.job_last_error ? r : null;
		});
		expect(timedOut.job_last_error).toMatch(/^timeout/);
		expect(timedOut.status).toBe('dispatching'); // may have been sent: stays until checked
		setFaults({});
		const done = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.job_status === 'completed' ? r : null;
		});
		expect(sandboxTexts(env.sandbox, phone).map((m) => m.sid)).toEqual([done.twilio_sid]);
		expect((await worker.metrics.recovered.get()).values[0]?.value).toBe(1);
	});
});

describe('reconciliation', () => {
	it('polls Twilio for texts whose callbacks never came and fills in status and price', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		const worker = await env.startWorker({ reconcile: { afterSeconds: 1, intervalMs: 60_000, giveUpSeconds: 3600 } });
		const id = await queueText(env.sql, { userId, body: 'callback lost' });
		const accepted = await waitFor(async () => {
			const r = await messageRow(env.sql, id);
			return r.twilio_sid ? r : null;
		});
		expect(accepted.status).toBe('queued'); // no callback reaches us in this test
		await waitFor(() => env.sandbox.state.store.get(accepted.twilio_sid!)?.status === 'delivered');

		const pollEvents = () => env.sql<{ source: string; status: string }[]>`
			select source, status from public.sms_delivery_events where message_id = ${id} and source = 'poll'`;
		await worker.reconcileOnce();
		expect(await pollEvents()).toHaveLength(0); // too recent to be called stuck
		await sleep(1100);
		const result = await worker.reconcileOnce();
		expect(result.ran).toBe(true);
		expect(result.changed).toBeGreaterThanOrEqual(1);
		const row = await messageRow(env.sql, id);
		expect(row.status).toBe('delivered');
		expect(Number(row.price)).toBeCloseTo(0.0079, 5);
		expect(await pollEvents()).toEqual([{ source: 'poll', status: 'delivered' }]);
		// Settled: not polled again.
		await worker.reconcileOnce();
		expect(await pollEvents()).toHaveLength(1);
		expect(await queueSettled(env.sql)).toBe(true);
	});

	it('stopping ends a reconciliation round after the poll in progress, not after every poll', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		for (let i = 0; i < 6; i++) {
			const sent = await env.sms.send({ to: phone, body: `stuck ${i}` });
			if (!sent.ok) throw sent.error;
			await env.sql`
				insert into public.sms_messages ${env.sql({ user_id: userId, ...phoneColumns(phone), message_content: `stuck ${i}`, status: 'sent', twilio_sid: sent.sid })}`;
		}
		setFaults({ latencyMs: 400 }); // each poll takes 400 ms
		const worker = await env.startWorker({ reconcile: { afterSeconds: 0, intervalMs: 60_000, giveUpSeconds: 3600 } });
		const round = worker.reconcileOnce();
		await sleep(500);
		const stopping = Date.now();
		await worker.stop();
		expect(Date.now() - stopping).toBeLessThan(1_500); // the whole round would take 2.4 s
		const result = await round;
		expect(result.polled).toBeGreaterThanOrEqual(1);
		expect(result.polled).toBeLessThan(6);
	});
});
