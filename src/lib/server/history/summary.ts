import type { TransactionSql } from '@sms/db';
import type { HistorySummary } from '$lib/components/history/types';

/**
 * "12 sent · 11 delivered · 1 failed" for one user's outbound texts. "Sent" is every text that
 * went to (or towards) the provider; the phases are SQL's sms_status_phase.
 */
export async function loadSummary(tx: TransactionSql, userId: string): Promise<HistorySummary> {
	const [row] = await tx<HistorySummary[]>`
		select count(*)::int as total,
			count(*) filter (where public.sms_status_phase(status) in ('dispatching', 'with_provider', 'delivered', 'failed'))::int as sent,
			count(*) filter (where public.sms_status_phase(status) = 'delivered')::int as delivered,
			count(*) filter (where public.sms_status_phase(status) = 'failed')::int as failed
		from public.sms_messages
		where user_id = ${userId} and direction = 'outbound'`;
	return row;
}
