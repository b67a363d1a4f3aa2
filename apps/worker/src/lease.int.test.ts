/**
 * Job leases (issue: WORKER_LEASE_SECONDS=1 sent 1,005 texts for 1,000). A send that takes
 * longer than the lease must not let the job be claimed again while the first call is still
 * on its way: the worker renews the leases of the jobs it holds, in one statement per round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsUser, nextPhone, queueSettled, sandboxTexts, setupWorkerEnv, spawnWorker, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(async () => {
	await env.close();
});

describe('a lease shorter than a send', () => {
	it('keeps every job of a slow provider leased: each text is sent exactly once', async () => {
		const users = await Promise.all(
			Array.from({ length: 6 }, async () => {
				const phone = nextPhone();
				return { phone, userId: await createSmsUser(env.sql, { phone, dailyLimit: 50 }) };
			})
		);
		const rows = users.flatMap((u, i) => Array.from({ length: 5 }, (_, j) => ({ user_id: u.userId, message: `lease test ${i}-${j}` })));
		// Each call waits 1.5 s before Twilio creates the text, and the answer 1 s more after it:
		// 2.5 s per send against a 1 s lease. A lookup after the lease ran out finds nothing yet.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 1500, answerDelayMs: 1000 };
		await env.startWorker({ leaseSeconds: 1, settleMs: 100, concurrency: 30, batchSize: 30 });
		await env.sql`select public.queue_sms_messages_bulk(${env.sql.json(rows)})`;

		await waitFor(
			async () => {
				const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where twilio_sid is not null`;
				return n === rows.length && (await queueSettled(env.sql));
			},
			{ timeoutMs: 30_000, message: `all ${rows.length} texts stored with their SIDs` }
		);
		// Give any second call that left meanwhile the time to land at the sandbox.
		await new Promise((r) => setTimeout(r, 3000));

		const texts = sandboxTexts(env.sandbox);
		expect(texts.map((t) => t.body).sort()).toEqual(rows.map((r) => r.message).sort());
		const [{ attempts }] = await env.sql<{ attempts: number }[]>`
			select coalesce(max(attempts), 0)::int as attempts from public.queue_jobs where job_type = 'send_sms'`;
		// Claimed once each: no job's lease ran out while its text was on its way.
		expect(attempts).toBe(1);
	}, 60_000);
});

describe('WORKER_LEASE_SECONDS below the safe minimum', () => {
	it('the worker process refuses to start: exit 78 (EX_CONFIG) and why', async () => {
		const worker = await spawnWorker(env, { WORKER_LEASE_SECONDS: '1' });
		const { code } = await worker.exited;
		expect(code).toBe(78);
		expect(worker.output()).toMatch(/WORKER_LEASE_SECONDS must be at least 2/);
		const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where locked_by is not null and status = 'processing'`;
		expect(n).toBe(0);
	}, 30_000);
});
