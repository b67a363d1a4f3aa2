import type { TransactionSql } from '@sms/db';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'completed', 'canceled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_PAGE_SIZE = 20;

export interface CampaignRow {
	id: string;
	name: string;
	status: CampaignStatus;
	createdBy: string | null;
	createdAt: string;
	scheduledAt: string | null;
	total: number;
	sent: number;
	delivered: number;
	failed: number;
	estimatedCost: number | null;
	currency: string | null;
}

export interface CampaignFilter {
	q: string;
	status: CampaignStatus | null;
	page: number;
}

export function campaignFilter(url: URL): CampaignFilter {
	const status = url.searchParams.get('status');
	const page = Math.floor(Number(url.searchParams.get('page') ?? '1'));
	return {
		q: (url.searchParams.get('q') ?? '').trim().slice(0, 100),
		status: (CAMPAIGN_STATUSES as readonly string[]).includes(status ?? '') ? (status as CampaignStatus) : null,
		page: Number.isFinite(page) && page >= 1 ? Math.min(page, 10_000) : 1
	};
}

/** A page of the workspace's campaigns, newest first, with seed 004's counters (total, sent, delivered, failed). */
export async function listCampaigns(
	tx: TransactionSql,
	options: { organizationId: string; filter: CampaignFilter; emails: ReadonlyMap<string, string> }
): Promise<{ rows: CampaignRow[]; total: number }> {
	const f = options.filter;
	const where = () => tx`c.organization_id = ${options.organizationId}
		${f.status ? tx`and c.status = ${f.status}` : tx``}
		${f.q ? tx`and c.name ilike ${'%' + f.q.replace(/[\\%_]/g, '\\$&') + '%'}` : tx``}`;
	const [count] = await tx<{ n: number }[]>`select count(*)::integer as n from public.sms_campaigns c where ${where()}`;
	const rows = await tx<
		{ id: string; name: string; status: CampaignStatus; created_by: string | null; created_at: Date; scheduled_at: Date | null; total_count: number; sent: number; delivered: number; failed: number; estimated_cost: string | null; currency: string | null }[]
	>`
		select c.id, c.name, c.status, c.created_by, c.created_at, c.scheduled_at, c.total_count,
			coalesce(s.sent, 0)::integer as sent, coalesce(s.delivered, 0)::integer as delivered, coalesce(s.failed, 0)::integer as failed,
			c.estimated_cost::text as estimated_cost, c.currency
		from public.sms_campaigns c
		left join lateral (
			select count(*) filter (where public.sms_status_phase(m.status) in ('with_provider', 'delivered', 'failed')) as sent,
				count(*) filter (where m.status = 'delivered') as delivered,
				count(*) filter (where public.sms_status_phase(m.status) = 'failed') as failed
			from public.sms_messages m where m.campaign_id = c.id
		) s on true
		where ${where()}
		order by c.created_at desc, c.id desc
		limit ${CAMPAIGN_PAGE_SIZE} offset ${(f.page - 1) * CAMPAIGN_PAGE_SIZE}`;
	return {
		total: count?.n ?? 0,
		rows: rows.map((r) => ({
			id: r.id,
			name: r.name,
			status: r.status,
			createdBy: r.created_by ? (options.emails.get(r.created_by) ?? 'a former member') : null,
			createdAt: r.created_at.toISOString(),
			scheduledAt: r.scheduled_at?.toISOString() ?? null,
			total: r.total_count,
			sent: r.sent,
			delivered: r.delivered,
			failed: r.failed,
			estimatedCost: r.estimated_cost === null ? null : Number(r.estimated_cost),
			currency: r.currency
		}))
	};
}
