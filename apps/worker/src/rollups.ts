import type { Sql } from '@sms/db';
import type { Logger } from 'pino';

/**
 * Folds the console's rollup deltas (sms_message_rollups, and the overview's latency and
 * failure rollups) into one row per key, and campaign counter rows of connections that are gone. The sums are exact without it; it only keeps the
 * tables small, so it runs after each reconcile round.
 */
export async function compactRollups(sql: Sql, logger: Logger): Promise<number> {
	const [row] = await sql<{ removed: string }[]>`select public.compact_sms_message_rollups() as removed`;
	const [overview] = await sql<{ removed: string }[]>`select public.compact_sms_overview_rollups() as removed`;
	const [counters] = await sql<{ removed: string }[]>`select public.compact_sms_campaign_counters() as removed`;
	const removed = Number(row?.removed ?? 0) + Number(overview?.removed ?? 0) + Number(counters?.removed ?? 0);
	if (removed > 0) logger.debug({ removed }, 'compacted rollups');
	return removed;
}
