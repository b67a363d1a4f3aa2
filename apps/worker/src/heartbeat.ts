import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import type { Worker } from './worker.ts';
import type { ReconcileResult } from './reconcile.ts';

export interface HeartbeatOptions {
	sql: Sql;
	worker: Worker;
	version: string;
	concurrency: number;
	logger: Logger;
	/** Default 5 s: the readiness check wants a heartbeat within the last 30 s. */
	intervalMs?: number;
}

export interface Heartbeat {
	/** Writes one heartbeat now (also done on every tick). */
	beat(): Promise<void>;
	/** Stops the timer and marks the worker stopped, so readiness does not count it. */
	stop(): Promise<void>;
}

async function sentCount(worker: Worker): Promise<number> {
	const { values } = await worker.metrics.sent.get();
	return values.reduce((sum, v) => sum + v.value, 0);
}

/** Each worker upserts its row in worker_heartbeats: id, version, concurrency, in flight, sent. */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
	const { sql, worker, logger } = options;
	let timer: NodeJS.Timeout | null = null;
	let stopped = false;
	let current: Promise<void> = Promise.resolve();
	const write = async (stopping: boolean) => {
		await sql`select public.record_worker_heartbeat(${worker.id}, ${options.version}, ${options.concurrency},
			${worker.inFlight()}, ${await sentCount(worker)}, ${stopping})`;
	};
	const beat = async () => {
		if (stopped) return;
		try {
			await (current = write(false));
		} catch (error) {
			// A missed beat is what readiness is for; the worker keeps sending.
			logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'heartbeat failed');
		}
	};
	const tick = () => {
		timer = setTimeout(() => {
			void beat().finally(() => {
				if (!stopped) tick();
			});
		}, options.intervalMs ?? 5000);
		timer.unref();
	};
	void beat();
	tick();
	return {
		beat,
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			// A beat already on its way must not land after "stopped" and undo it.
			await current.catch(() => undefined);
			await write(true).catch(() => undefined);
		}
	};
}

/** Leaves a row per reconciliation run that held the lock, for the health page. */
export async function recordReconcilerRun(sql: Sql, workerId: string, startedAt: Date, result: ReconcileResult): Promise<void> {
	if (!result.ran) return;
	await sql`select public.record_reconciler_run(${workerId}, ${startedAt}, ${result.polled}, ${result.changed}, ${result.errors})`;
}
