import type { Sql } from '@sms/db';
import type { Logger } from 'pino';

/** One evaluator at a time across all workers, like the reconciler. */
const ALERTS_LOCK = 7_263_419_016;

export interface AlertEvent {
	event: 'opened' | 'escalated' | 'reminded' | 'resolved';
	alertId: string;
	organizationId: string;
	kind: string;
	subject: string;
	severity: 'warning' | 'critical';
	title: string;
}

export interface AlertRound {
	/** False when another worker holds the lock. */
	ran: boolean;
	events: AlertEvent[];
	textsQueued: number;
}

/**
 * One evaluation round: evaluate_alerts over every workspace, then the on-call texts for what
 * it opened, escalated or reminded. Outbound webhooks (alert.opened / alert.resolved) read
 * alert_events where webhook_delivered_at is null once the sending API delivers them.
 */
export async function evaluateAlertsOnce(options: { sql: Sql; logger: Logger; now?: Date }): Promise<AlertRound> {
	const conn = await options.sql.reserve();
	try {
		const [{ locked }] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${ALERTS_LOCK}) as locked`;
		if (!locked) return { ran: false, events: [], textsQueued: 0 };
		try {
			const [{ events }] = await conn<{ events: AlertEvent[] }[]>`select public.evaluate_alerts(${options.now ?? new Date()}) as events`;
			let textsQueued = 0;
			if (events.length > 0) {
				for (const e of events) options.logger.warn({ alert: e }, `alert ${e.event}: ${e.title}`);
				const [{ n }] = await conn<{ n: number }[]>`select public.queue_alert_texts(${conn.json(events as never)}) as n`;
				textsQueued = n;
			}
			return { ran: true, events, textsQueued };
		} finally {
			await conn`select pg_advisory_unlock(${ALERTS_LOCK})`;
		}
	} finally {
		conn.release();
	}
}

/** Runs evaluateAlertsOnce every intervalMs (default one minute) until stopped. */
export function scheduleAlerts(options: { sql: Sql; logger: Logger; intervalMs?: number }): { stop(): Promise<void> } {
	let timer: NodeJS.Timeout | null = null;
	let stopped = false;
	let running: Promise<unknown> = Promise.resolve();
	const tick = () => {
		timer = setTimeout(() => {
			running = evaluateAlertsOnce(options)
				.catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'alert evaluation failed'))
				.finally(() => {
					if (!stopped) tick();
				});
		}, options.intervalMs ?? 60_000);
		timer.unref();
	};
	tick();
	return {
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			await running;
		}
	};
}
