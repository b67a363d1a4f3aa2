import { readFileSync } from 'node:fs';
import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import { scheduleAlerts } from './alerts.ts';
import { recordReconcilerRun, startHeartbeat } from './heartbeat.ts';
import { scheduleRetention } from './retention.ts';
import type { ReconcileResult } from './reconcile.ts';
import type { Worker } from './worker.ts';

export interface OperationsOptions {
	sql: Sql;
	worker: Worker;
	concurrency: number;
	logger: Logger;
	heartbeatMs?: number;
	/** How often alerts are evaluated (default 60 s); false switches evaluation off in this worker. */
	alertsIntervalMs?: number | false;
	/** The daily retention job; false switches it off in this worker. */
	retention?: boolean;
}

/** The worker's operator-facing side jobs, beside the send loop: heartbeat, reconciler log, alerts, retention. */
export interface Operations {
	reconciled(result: ReconcileResult, startedAt: Date): void;
	stop(): Promise<void>;
}

export const WORKER_VERSION: string = (() => {
	try {
		const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
		return pkg.version ?? 'unknown';
	} catch {
		return 'unknown';
	}
})();

export function startOperations(options: OperationsOptions): Operations {
	const { sql, worker, logger } = options;
	const heartbeat = startHeartbeat({
		sql,
		worker,
		version: WORKER_VERSION,
		concurrency: options.concurrency,
		logger,
		intervalMs: options.heartbeatMs
	});
	const alerts = options.alertsIntervalMs === false ? null : scheduleAlerts({ sql, logger, intervalMs: options.alertsIntervalMs });
	const retention = options.retention === false ? null : scheduleRetention({ sql, logger });
	return {
		reconciled(result, startedAt) {
			recordReconcilerRun(sql, worker.id, startedAt, result).catch((error: unknown) =>
				logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not record the reconciliation run')
			);
		},
		async stop() {
			await alerts?.stop();
			await retention?.stop();
			await heartbeat.stop();
		}
	};
}
