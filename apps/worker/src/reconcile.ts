import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.ts';
import { reconcileHttpProviders, type HttpProviderLookup } from './reconcile-http.ts';
import type { SmsSender } from './sms-port.ts';
import { priceText } from './send-result.ts';
import type { WorkerStore } from './store.ts';

/** One reconciler at a time across all workers: polling a provider twice for the same text is waste. */
const RECONCILE_LOCK = 7_263_419_002;

export interface ReconcileOptions {
	sql: Sql;
	store: WorkerStore;
	sms: SmsSender;
	/** The HTTP providers (sms-retail, 23telecom) through the port; without it only Twilio is polled. */
	providers?: HttpProviderLookup;
	logger: Logger;
	metrics: WorkerMetrics;
	/** Only messages untouched for this long are polled. */
	afterSeconds: number;
	/** Messages older than this are left alone: they stay `sent` and say so. */
	giveUpSeconds: number;
	/** Most messages polled per round. */
	limit?: number;
	/** True once the worker is stopping: the round ends after the poll in progress, not after all of them. */
	isStopping?: () => boolean;
}

export interface ReconcileResult {
	/** False when another worker holds the reconciliation lock. */
	ran: boolean;
	polled: number;
	changed: number;
	errors: number;
}


/**
 * Fetch from their provider the messages stuck in queued / sending / sent (their callbacks were
 * lost) or final without a price, and apply what it says (source 'poll'): Twilio's through
 * apply_sms_status, the HTTP providers' through the port and apply_provider_polled_status
 * (reconcile-http.ts).
 */
export async function reconcileOnce(options: ReconcileOptions): Promise<ReconcileResult> {
	const result: ReconcileResult = { ran: false, polled: 0, changed: 0, errors: 0 };
	const conn = await options.sql.reserve();
	try {
		const [{ locked }] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${RECONCILE_LOCK}) as locked`;
		if (!locked) return result;
		result.ran = true;
		try {
			const candidates = await options.store.reconcileCandidates({
				olderThanSeconds: options.afterSeconds,
				giveUpSeconds: options.giveUpSeconds,
				limit: options.limit ?? 200
			});
			for (const c of candidates) {
				if (options.isStopping?.()) break;
				const log = options.logger.child({ messageId: c.messageId, sid: c.sid });
				try {
					const m = await options.sms.fetchMessage(c.sid);
					result.polled++;
					if (!m) {
						log.warn('Twilio does not know this SID');
						options.metrics.reconciled.inc({ outcome: 'unknown_sid' });
						continue;
					}
					const applied = (await options.store.applyPolledStatus({
						sid: c.sid,
						status: m.status,
						errorCode: m.errorCode,
						errorMessage: m.errorMessage,
						payload: { Status: m.status, ErrorCode: m.errorCode, Price: m.price, PriceUnit: m.priceUnit, DateUpdated: m.dateUpdated },
						price: priceText(m.price),
						priceUnit: m.priceUnit
					})) as { outcome?: string } | null;
					const outcome = applied?.outcome ?? 'unknown';
					if (outcome === 'applied') result.changed++;
					options.metrics.reconciled.inc({ outcome });
					log.debug({ outcome, status: m.status }, 'reconciled');
				} catch (error) {
					result.errors++;
					options.metrics.reconciled.inc({ outcome: 'error' });
					log.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation poll failed');
				}
			}
			if (options.providers && !options.isStopping?.()) {
				const http = await reconcileHttpProviders({
					sql: options.sql,
					providers: options.providers,
					logger: options.logger,
					metrics: options.metrics,
					afterSeconds: options.afterSeconds,
					giveUpSeconds: options.giveUpSeconds,
					limit: options.limit ?? 200,
					isStopping: options.isStopping
				});
				result.polled += http.polled;
				result.changed += http.changed;
				result.errors += http.errors;
			}
		} finally {
			await conn`select pg_advisory_unlock(${RECONCILE_LOCK})`;
		}
		return result;
	} finally {
		conn.release();
	}
}
