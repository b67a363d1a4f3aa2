/**
 * The worker's operator side: it heartbeats (id, version, concurrency, in flight, sent) while it
 * runs, marks itself stopped on shutdown, and records each reconciliation run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from './logger.ts';
import { startOperations, WORKER_VERSION } from './operations.ts';
import { createSmsUser, nextPhone, queueText, setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';
import type { ReconcileResult } from './reconcile.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(async () => {
	await env.close();
});

describe('worker heartbeat', () => {
	it('reports what the worker is doing, and that it stopped', async () => {
		let operations: ReturnType<typeof startOperations> | undefined;
		const worker = await env.startWorker({
			concurrency: 8,
			onReconciled: (result: ReconcileResult, startedAt: Date) => operations?.reconciled(result, startedAt)
		});
		operations = startOperations({ sql: env.pool, worker, concurrency: 8, logger: silentLogger(), heartbeatMs: 100 });
		const userId = await createSmsUser(env.sql, { phone: nextPhone() });
		for (let i = 0; i < 3; i++) await queueText(env.sql, { userId, body: `heartbeat ${i}` });

		const row = await waitFor(async () => {
			const [r] = await env.sql`select * from public.worker_heartbeats where worker_id = ${worker.id}`;
			return r && Number(r.sent_count) === 3 ? r : null;
		}, { timeoutMs: 10_000, message: 'a heartbeat counting 3 sent texts' });
		expect(row).toMatchObject({ version: WORKER_VERSION, concurrency: 8, stopped_at: null });
		expect((await env.sql`select public.worker_alive(30) as a`)[0].a).toBe(true);

		await worker.reconcileOnce();
		await waitFor(async () => (await env.sql`select 1 from public.reconciler_runs where worker_id = ${worker.id}`).length === 1, {
			message: 'the reconciliation run recorded'
		});

		await worker.stop();
		await operations.stop();
		const [after] = await env.sql`select stopped_at, in_flight from public.worker_heartbeats where worker_id = ${worker.id}`;
		expect(after.stopped_at).not.toBeNull();
		expect(after.in_flight).toBe(0);
		expect((await env.sql`select public.worker_alive(30) as a`)[0].a).toBe(false);
	});
});
