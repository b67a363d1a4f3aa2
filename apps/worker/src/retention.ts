import type { Sql } from '@sms/db';
import type { Logger } from 'pino';

/** One retention run at a time across workers. */
const RETENTION_LOCK = 7_263_419_017;

export interface RetentionRun {
	ran: boolean;
	bodies: number;
	payloads: number;
	/** Monthly sms_delivery_events partitions created ahead. */
	partitions: number;
}

/**
 * Applies every workspace's retention in batches (apply_retention) until nothing is left, so
 * no statement holds many rows locked. Stops early after maxBatches; the next run continues.
 */
export async function applyRetentionOnce(options: { sql: Sql; logger: Logger; batch?: number; maxBatches?: number }): Promise<RetentionRun> {
	const conn = await options.sql.reserve();
	try {
		const [{ locked }] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${RETENTION_LOCK}) as locked`;
		if (!locked) return { ran: false, bodies: 0, payloads: 0, partitions: 0 };
		try {
			// The next two months' event partitions exist before any event needs them.
			const [{ made }] = await conn<{ made: number }[]>`select public.create_sms_delivery_event_partitions(2) as made`;
			const run: RetentionRun = { ran: true, bodies: 0, payloads: 0, partitions: made };
			for (let i = 0; i < (options.maxBatches ?? 1000); i++) {
				const [{ r }] = await conn<{ r: { bodies: number; payloads: number } }[]>`select public.apply_retention(${options.batch ?? 1000}) as r`;
				run.bodies += r.bodies;
				run.payloads += r.payloads;
				if (r.bodies === 0 && r.payloads === 0) break;
			}
			if (run.bodies + run.payloads + run.partitions > 0) options.logger.info(run, 'retention applied');
			return run;
		} finally {
			await conn`select pg_advisory_unlock(${RETENTION_LOCK})`;
		}
	} finally {
		conn.release();
	}
}

/** Daily (first run a minute after start), so a restart loop does not skip it for ever. */
export function scheduleRetention(options: { sql: Sql; logger: Logger; intervalMs?: number; firstRunMs?: number }): { stop(): Promise<void> } {
	let timer: NodeJS.Timeout | null = null;
	let stopped = false;
	let running: Promise<unknown> = Promise.resolve();
	const next = (ms: number) => {
		timer = setTimeout(() => {
			running = applyRetentionOnce(options)
				.catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'retention failed'))
				.finally(() => {
					if (!stopped) next(options.intervalMs ?? 86_400_000);
				});
		}, ms);
		timer.unref();
	};
	next(options.firstRunMs ?? 60_000);
	return {
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			await running;
		}
	};
}
