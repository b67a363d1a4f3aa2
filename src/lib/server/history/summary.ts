import type { TransactionSql } from '@sms/db';
import type { HistorySummary } from '$lib/components/history/types';

/** "12 sent · 11 delivered · 1 failed" for one user's outbound texts. */
export async function loadSummary(tx: TransactionSql, userId: string): Promise<HistorySummary> {
	const [row] = await tx<HistorySummary[]>`
		select count(*)::int as total,
			count(*) filter (where status in ('dispatching', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'))::int as sent,
			count(*) filter (where status = 'delivered')::int as delivered,
			count(*) filter (where status in ('undelivered', 'failed'))::int as failed
		from public.sms_messages
		where user_id = ${userId} and direction = 'outbound'`;
	return row;
}
