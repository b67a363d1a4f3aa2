import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createSmsUser,
	nextPhone,
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

interface Counts {
	status: string;
	n: number;
}

describe('SIGTERM', () => {
	it('stops claiming, finishes the sends in flight, gives back the rest and exits 0', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone });
		const rows = Array.from({ length: 40 }, (_, i) => ({ user_id: userId, message: `drain ${i}` }));
		// Twilio answers slowly, so sends are certainly in flight when the signal comes.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 1500 };
		const worker = await spawnWorker(env, { WORKER_CONCURRENCY: '8', WORKER_BATCH_SIZE: '8' });
		children.push(worker);
		await worker.healthUrl;
		await env.sql`select public.queue_sms_messages_bulk(${env.sql.json(rows)})`;

		await waitFor(async () => {
			const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where status = 'dispatching'`;
			return n === 8;
		});
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(0); // none answered yet
		const signalledAt = Date.now();
		worker.child.kill('SIGTERM');
		const { code } = await worker.exited;
		expect(code).toBe(0);
		// It waited for Twilio's answers rather than dropping them.
		expect(Date.now() - signalledAt).toBeGreaterThan(500);

		const messages = await env.sql<Counts[]>`
			select case when twilio_sid is not null then 'accepted' else status end as status, count(*)::int as n
			from public.sms_messages group by 1 order by 1`;
		expect(messages).toEqual([
			{ status: 'accepted', n: 8 },
			{ status: 'pending', n: 32 }
		]);
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(8);
		const jobs = await env.sql<(Counts & { attempts: number })[]>`
			select status, attempts, count(*)::int as n from public.queue_jobs group by 1, 2 order by 1`;
		// Nothing left leased to the dead worker; untouched jobs have not lost an attempt.
		expect(jobs).toEqual([
			{ status: 'completed', attempts: 1, n: 8 },
			{ status: 'pending', attempts: 0, n: 32 }
		]);
		expect(worker.output()).toMatch(/stopping: finishing sends in flight/);
	}, 30_000);
});
