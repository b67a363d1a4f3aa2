import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createSmsUser,
	metricValue,
	nextPhone,
	queueSettled,
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
afterAll(async () => {
	for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await env.close();
});

describe('a worker killed with SIGKILL halfway through', () => {
	it('loses no text and sends none twice once a new worker takes over', async () => {
		const users = await Promise.all(
			Array.from({ length: 50 }, async () => {
				const phone = nextPhone();
				return { phone, userId: await createSmsUser(env.sql, { phone, dailyLimit: 50 }) };
			})
		);
		const rows = users.flatMap((u, i) => Array.from({ length: 10 }, (_, j) => ({ user_id: u.userId, message: `crash test ${i}-${j}` })));
		await env.sql`select public.queue_sms_messages_bulk(${env.sql.json(rows)})`;
		// Twilio takes 100 ms per call, so dozens of sends are mid-call at any moment.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 100 };

		const workerEnv = { WORKER_CONCURRENCY: '64', WORKER_LEASE_SECONDS: '2', WORKER_SETTLE_MS: '500' };
		const first = await spawnWorker(env, workerEnv);
		children.push(first);
		await waitFor(() => sandboxTexts(env.sandbox).length >= 250, { timeoutMs: 20_000, message: '250 texts sent' });
		first.child.kill('SIGKILL');
		const { signal } = await first.exited;
		expect(signal).toBe('SIGKILL');

		const [{ dispatching }] = await env.sql<{ dispatching: number }[]>`
			select count(*)::int as dispatching from public.sms_messages where status = 'dispatching'`;
		// The kill really interrupted sends between "calling Twilio" and "storing the SID".
		expect(dispatching).toBeGreaterThan(0);
		const sentBeforeRestart = sandboxTexts(env.sandbox).length;
		expect(sentBeforeRestart).toBeLessThan(500);

		const second = await spawnWorker(env, workerEnv);
		children.push(second);
		await waitFor(
			async () => {
				const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where twilio_sid is not null`;
				return n === 500 && (await queueSettled(env.sql));
			},
			{ timeoutMs: 20_000, message: 'all 500 texts stored with their SIDs' }
		);

		// The sandbox's own list is the proof: 500 texts, each body exactly once.
		const texts = sandboxTexts(env.sandbox);
		expect(texts).toHaveLength(500);
		expect(new Set(texts.map((t) => t.body)).size).toBe(500);
		// And every message points at the text Twilio has for it.
		const stored = await env.sql<{ body: string; sid: string }[]>`
			select message_content as body, twilio_sid as sid from public.sms_messages where twilio_sid is not null`;
		const sidByBody = new Map(texts.map((t) => [t.body, t.sid]));
		for (const s of stored) expect(s.sid).toBe(sidByBody.get(s.body));
		const [{ done }] = await env.sql<{ done: number }[]>`
			select count(*)::int as done from public.queue_jobs where status = 'completed'`;
		expect(done).toBe(500);

		// The new worker reports the interrupted sends it found at Twilio instead of resending.
		const metrics = await (await fetch(`${await second.healthUrl}/metrics`)).text();
		expect(metricValue(metrics, 'sms_worker_recovered_total')).toBeGreaterThan(0);
		const health = (await (await fetch(`${await second.healthUrl}/health`)).json()) as { ok: boolean; lastClaimAt: string };
		expect(health.ok).toBe(true);
		expect(Date.parse(health.lastClaimAt)).toBeGreaterThan(Date.now() - 10_000);

		second.child.kill('SIGTERM');
		expect((await second.exited).code).toBe(0);
	}, 60_000);
});
