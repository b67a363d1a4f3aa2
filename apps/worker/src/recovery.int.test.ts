import { localDate, nextLocalMidnight } from '@sms/twilio-service';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
	createSmsUser,
	metricValue,
	nextPhone,
	queueSettled,
	queueText,
	sandboxTexts,
	setupWorkerEnv,
	spawnWorker,
	waitFor,
	type WorkerChild,
	type WorkerTestEnv
} from '../test/fixtures.ts';

let env: WorkerTestEnv;
const children: WorkerChild[] = [];

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterEach(async () => {
	for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await Promise.all(env.workers.splice(0).map((w) => w.stop()));
	env.sandbox.state.faults = { ...env.sandbox.state.faults, answerDelayMs: 0 };
	env.sandbox.state.clock.reset();
});
afterAll(() => env.close());

async function usage(userId: string): Promise<Record<string, number>> {
	const rows = await env.sql<{ day: string; count: number }[]>`
		select local_date::text as day, count from public.sms_daily_usage where user_id = ${userId} order by 1`;
	return Object.fromEntries(rows.map((r) => [r.day, r.count]));
}

async function stored(userId: string) {
	return env.sql<{ body: string; status: string; twilio_sid: string | null }[]>`
		select message_content as body, status, twilio_sid from public.sms_messages where user_id = ${userId}`;
}

describe('a send interrupted by kill -9 is found at Twilio however much traffic followed it', () => {
	it('70 texts to one number, the worker killed after Twilio took the first and before its SID was stored: sent exactly once', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		const bodies = Array.from({ length: 70 }, (_, i) => `burst ${i}`);
		for (const body of bodies) await queueText(env.sql, { userId, body, priority: 'urgent' });
		// A long lease: the dead worker's job comes back only when the test lets it (below).
		const workerEnv = { WORKER_LEASE_SECONDS: '120', WORKER_SETTLE_MS: '200', SMS_HARD_DAILY_CAP: '100' };

		// Twilio creates the first text but its answer never reaches the worker, which dies.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, answerDelayMs: 600_000 };
		const first = await spawnWorker(env, { ...workerEnv, WORKER_CONCURRENCY: '1', WORKER_BATCH_SIZE: '1' });
		children.push(first);
		const [lost] = await waitFor(() => (sandboxTexts(env.sandbox, phone).length === 1 ? sandboxTexts(env.sandbox, phone) : null), {
			timeoutMs: 15_000
		});
		first.child.kill('SIGKILL');
		expect((await first.exited).signal).toBe('SIGKILL');
		env.sandbox.state.faults = { ...env.sandbox.state.faults, answerDelayMs: 0 };
		const [interrupted] = await env.sql<{ status: string; twilio_sid: string | null }[]>`
			select status, twilio_sid from public.sms_messages where message_content = ${lost!.body}`;
		expect(interrupted).toEqual({ status: 'dispatching', twilio_sid: null });

		// A new worker sends the other 69 while the dead worker's lease still holds the lost one ...
		const second = await spawnWorker(env, { ...workerEnv, WORKER_CONCURRENCY: '8' });
		children.push(second);
		await waitFor(() => sandboxTexts(env.sandbox, phone).length >= 70, { timeoutMs: 30_000, message: '69 more texts' });
		const [still] = await env.sql<{ status: string }[]>`select status from public.sms_messages where message_content = ${lost!.body}`;
		expect(still!.status).toBe('dispatching');
		// ... then the lease runs out, so the recovery must look past 69 newer texts to that number.
		await env.sql`
			update public.queue_jobs set locked_until = now() - interval '1 second'
			where id = (select queue_job_id from public.sms_messages where message_content = ${lost!.body})`;

		await waitFor(
			async () => (await stored(userId)).every((m) => m.twilio_sid) && (await queueSettled(env.sql)),
			{ timeoutMs: 30_000, message: 'all 70 stored with SIDs' }
		);
		// Counted at the sandbox: 70 texts, each body exactly once, the lost one with its own SID.
		const texts = sandboxTexts(env.sandbox, phone);
		expect(texts).toHaveLength(70);
		expect(new Set(texts.map((t) => t.body))).toEqual(new Set(bodies));
		const rows = await stored(userId);
		expect(rows.find((r) => r.body === lost!.body)?.twilio_sid).toBe(lost!.sid);
		expect(Object.values(await usage(userId))).toEqual([70]);
		const metrics = await (await fetch(`${await second.healthUrl}/metrics`)).text();
		expect(metricValue(metrics, 'sms_worker_recovered_total')).toBe(1);
	}, 120_000);

	it.each(['Etc/UTC', 'Pacific/Kiritimati'])(
		'dispatched seconds before local midnight in %s, 69 more texts the next day: sent exactly once, each day counted right',
		async (timeZone) => {
			const phone = nextPhone();
			const userId = await createSmsUser(env.sql, { phone, timeZone });
			// Twilio's clock and the worker's both stand 10 s before the user's next midnight.
			const midnight = nextLocalMidnight(new Date(Date.now() + 3_600_000), timeZone);
			const offset = midnight.getTime() - 10_000 - Date.now();
			env.sandbox.state.clock.advance(offset);
			const shifted = () => new Date(Date.now() + offset);

			// As a worker killed right after Twilio took the text leaves it: slot reserved on the
			// evening's day, `dispatching` since then, the text at Twilio, no SID stored.
			const [{ id }] = await env.sql<{ id: string }[]>`
				select public.queue_sms_message(p_user_id => ${userId}, p_phone_sealed => null, p_message => 'just before midnight',
				       p_priority => 'urgent', p_scheduled_for => now() + interval '1 hour') as id`;
			const evening = localDate(shifted(), timeZone);
			await env.sql`select public.sms_begin_dispatch(${[id]}::uuid[], ${[evening]}::date[], ${[100]}::int[])`;
			await env.sql`update public.sms_messages set dispatched_at = ${shifted()} where id = ${id}`;
			const reached = await env.sms.send({ to: phone, body: 'just before midnight' });
			if (!reached.ok) throw reached.error;

			// Past midnight: 69 texts of the new day reach the same number first.
			env.sandbox.state.clock.advance(20_000);
			const later = () => new Date(Date.now() + offset + 20_000);
			const morning = localDate(later(), timeZone);
			expect(morning).not.toBe(evening);
			for (let i = 0; i < 69; i++) await queueText(env.sql, { userId, body: `after midnight ${i}`, priority: 'urgent' });
			const worker = await env.startWorker({ now: later, hardDailyCap: 100, concurrency: 16 });
			await waitFor(() => sandboxTexts(env.sandbox, phone).length >= 70, { timeoutMs: 30_000 });

			// Now the interrupted text's job comes back.
			await env.sql`update public.queue_jobs set run_at = now() where id = (select queue_job_id from public.sms_messages where id = ${id})`;
			await waitFor(async () => (await stored(userId)).every((m) => m.twilio_sid) && (await queueSettled(env.sql)), {
				timeoutMs: 30_000
			});
			const texts = sandboxTexts(env.sandbox, phone);
			expect(texts).toHaveLength(70);
			expect(texts.filter((t) => t.body === 'just before midnight').map((t) => t.sid)).toEqual([reached.sid]);
			const [row] = await env.sql<{ twilio_sid: string }[]>`select twilio_sid from public.sms_messages where id = ${id}`;
			expect(row!.twilio_sid).toBe(reached.sid);
			expect(await usage(userId)).toEqual({ [evening]: 1, [morning]: 69 });
			expect((await worker.metrics.recovered.get()).values[0]?.value).toBeGreaterThanOrEqual(1);
		},
		120_000
	);
});
