import type { TransactionSql } from '@sms/db';

export interface MonthStats {
	/** YYYY-MM in the workspace's time zone. */
	month: string;
	sent: number;
	delivered: number;
	failed: number;
	/** Twilio's reported prices (positive), where known. */
	cost: number;
}

/** Seed 004's GET /sms/stats: totals and a row per month. */
export interface SmsStats {
	totalSent: number;
	totalDelivered: number;
	totalFailed: number;
	monthlyStats: MonthStats[];
}

/**
 * The workspace's outbound totals by month, from the rollups (never a scan of the messages).
 * "Sent" is every text handed to the provider: with it, delivered or failed after it.
 */
export async function smsStats(tx: TransactionSql, options: { organizationId: string; timeZone: string; months?: number }): Promise<SmsStats> {
	const months = Math.min(Math.max(options.months ?? 12, 1), 36);
	const rows = await tx<{ month: string; sent: string; delivered: string; failed: string; cost: string }[]>`
		select to_char(date_trunc('month', r.bucket at time zone ${options.timeZone}), 'YYYY-MM') as month,
			coalesce(sum(r.messages) filter (where public.sms_status_phase(r.status) in ('with_provider', 'delivered', 'failed')), 0)::text as sent,
			coalesce(sum(r.messages) filter (where public.sms_status_phase(r.status) = 'delivered'), 0)::text as delivered,
			coalesce(sum(r.messages) filter (where public.sms_status_phase(r.status) = 'failed'), 0)::text as failed,
			coalesce(abs(sum(r.price)), 0)::text as cost
		from public.sms_message_rollups r
		where r.organization_id = ${options.organizationId}
			and r.status <> 'received'
			and r.bucket >= (date_trunc('month', now() at time zone ${options.timeZone}) - make_interval(months => ${months - 1})) at time zone ${options.timeZone}
		group by 1
		order by 1 desc`;
	const monthlyStats = rows.map((r) => ({
		month: r.month,
		sent: Number(r.sent),
		delivered: Number(r.delivered),
		failed: Number(r.failed),
		cost: Number(r.cost)
	}));
	return {
		totalSent: monthlyStats.reduce((s, m) => s + m.sent, 0),
		totalDelivered: monthlyStats.reduce((s, m) => s + m.delivered, 0),
		totalFailed: monthlyStats.reduce((s, m) => s + m.failed, 0),
		monthlyStats
	};
}
