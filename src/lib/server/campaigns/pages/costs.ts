import type { TransactionSql } from '@sms/db';

export interface CostRange {
	/** Inclusive days, YYYY-MM-DD, in the workspace's time zone. */
	from: string;
	to: string;
}

export interface CostReport {
	range: CostRange;
	byStatus: { status: string; texts: number }[];
	totals: { texts: number; delivered: number; failed: number; cost: number; priced: number; segments: number };
	byCountry: { callingCode: string; texts: number; delivered: number; failed: number; cost: number; priced: number }[];
	byMonth: { month: string; texts: number; delivered: number; failed: number; cost: number }[];
	byCampaign: { id: string; name: string; texts: number; estimated: number; actual: number; priced: number }[];
	errors: { code: number; texts: number }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** ?from=&to= (defaults: this month so far); a malformed or reversed range falls back to the default. */
export function costRange(url: URL, today: string): CostRange {
	const from = url.searchParams.get('from') ?? '';
	const to = url.searchParams.get('to') ?? '';
	const start = `${today.slice(0, 8)}01`;
	if (!DAY.test(from) || !DAY.test(to) || from > to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) return { from: start, to: today };
	return { from, to };
}

/**
 * Seed 002's delivery report and usage statistics for a date range: counts by status, cost,
 * errors, and cost by destination, month and campaign. Counts and prices come from the hourly
 * rollups; the queue-time estimates and error codes (not rolled up) from the texts themselves.
 */
export async function costReport(tx: TransactionSql, options: { organizationId: string; timeZone: string; range: CostRange }): Promise<CostReport> {
	const { organizationId, timeZone: tz, range } = options;
	const since = tx`(${range.from}::date::timestamp at time zone ${tz})`;
	const until = tx`((${range.to}::date + 1)::timestamp at time zone ${tz})`;
	const rolled = () => tx`from public.sms_message_rollups r
		where r.organization_id = ${organizationId} and r.status <> 'received' and r.bucket >= ${since} and r.bucket < ${until}`;
	const byStatus = await tx<{ status: string; texts: string }[]>`
		select r.status, sum(r.messages)::text as texts ${rolled()} group by 1 having sum(r.messages) <> 0 order by 2 desc`;
	const byCountry = await tx<{ calling_code: string; texts: string; delivered: string; failed: string; cost: string; priced: string; segments: string }[]>`
		select r.calling_code, sum(r.messages)::text as texts,
			coalesce(sum(r.messages) filter (where r.status = 'delivered'), 0)::text as delivered,
			coalesce(sum(r.messages) filter (where public.sms_status_phase(r.status) = 'failed'), 0)::text as failed,
			abs(sum(r.price))::text as cost, sum(r.priced)::text as priced, sum(r.segments)::text as segments
		${rolled()} group by 1 having sum(r.messages) <> 0 order by sum(r.messages) desc`;
	const byMonth = await tx<{ month: string; texts: string; delivered: string; failed: string; cost: string }[]>`
		select to_char(date_trunc('month', r.bucket at time zone ${tz}), 'YYYY-MM') as month, sum(r.messages)::text as texts,
			coalesce(sum(r.messages) filter (where r.status = 'delivered'), 0)::text as delivered,
			coalesce(sum(r.messages) filter (where public.sms_status_phase(r.status) = 'failed'), 0)::text as failed,
			abs(sum(r.price))::text as cost
		${rolled()} group by 1 order by 1`;
	const byCampaign = await tx<{ id: string; name: string; texts: number; estimated: string; actual: string; priced: number }[]>`
		select c.id, c.name, count(m.id)::integer as texts, coalesce(sum(m.estimated_cost), 0)::text as estimated,
			coalesce(sum(abs(m.price)), 0)::text as actual, count(m.price)::integer as priced
		from public.sms_campaigns c
		join public.sms_messages m on m.campaign_id = c.id
		where c.organization_id = ${organizationId} and m.created_at >= ${since} and m.created_at < ${until}
		group by c.id, c.name order by 3 desc limit 50`;
	const errors = await tx<{ code: number; texts: number }[]>`
		select m.error_code as code, count(*)::integer as texts from public.sms_messages m
		where m.organization_id = ${organizationId} and m.error_code is not null and m.created_at >= ${since} and m.created_at < ${until}
		group by 1 order by 2 desc limit 10`;
	const countries = byCountry.map((r) => ({
		callingCode: r.calling_code,
		texts: Number(r.texts),
		delivered: Number(r.delivered),
		failed: Number(r.failed),
		cost: Number(r.cost),
		priced: Number(r.priced),
		segments: Number(r.segments)
	}));
	const sum = (k: 'texts' | 'delivered' | 'failed' | 'cost' | 'priced' | 'segments') => countries.reduce((s, c) => s + c[k], 0);
	return {
		range,
		byStatus: byStatus.map((r) => ({ status: r.status, texts: Number(r.texts) })),
		totals: { texts: sum('texts'), delivered: sum('delivered'), failed: sum('failed'), cost: sum('cost'), priced: sum('priced'), segments: sum('segments') },
		byCountry: countries.map(({ segments: _s, ...c }) => c),
		byMonth: byMonth.map((r) => ({ month: r.month, texts: Number(r.texts), delivered: Number(r.delivered), failed: Number(r.failed), cost: Number(r.cost) })),
		byCampaign: byCampaign.map((r) => ({ id: r.id, name: r.name, texts: r.texts, estimated: Number(r.estimated), actual: Number(r.actual), priced: r.priced })),
		errors
	};
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
