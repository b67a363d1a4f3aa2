import type { TransactionSql } from '@sms/db';
import { summarizeLatency, type LatencySummary } from './latency.ts';
import type { OverviewRange } from './overview-range.ts';

/** How the overview groups statuses: final verdicts, texts still on their way, never sent. */
export type Outcome = 'delivered' | 'failed' | 'pending' | 'not_sent';
export const OUTCOMES: readonly Outcome[] = ['delivered', 'failed', 'pending', 'not_sent'];

export type OutcomeCounts = Record<Outcome, number> & { total: number };

export interface RateRow {
	key: string;
	counts: OutcomeCounts;
	/** delivered ÷ (delivered + failed): of the texts with a final word, how many arrived. Null before any. */
	deliveryRate: number | null;
}

export interface FailureReason {
	code: number | null;
	count: number;
	share: number;
}

export interface Overview {
	totals: OutcomeCounts;
	latency: LatencySummary;
	cost: { amount: number; priced: number };
	daily: { day: string; counts: OutcomeCounts }[];
	byType: RateRow[];
	byCountry: RateRow[];
	failures: FailureReason[];
}

const empty = (): OutcomeCounts => ({ delivered: 0, failed: 0, pending: 0, not_sent: 0, total: 0 });

function outcomeOf(phase: string): Outcome {
	if (phase === 'delivered' || phase === 'received') return 'delivered';
	if (phase === 'failed' || phase === 'not_sent') return phase;
	return 'pending';
}

function add(into: OutcomeCounts, phase: string, n: number): void {
	into[outcomeOf(phase)] += n;
	into.total += n;
}

function rows(map: Map<string, OutcomeCounts>): RateRow[] {
	return [...map.entries()]
		.map(([key, counts]) => {
			const final = counts.delivered + counts.failed;
			return { key, counts, deliveryRate: final > 0 ? counts.delivered / final : null };
		})
		.sort((a, b) => b.counts.total - a.counts.total || a.key.localeCompare(b.key));
}

interface Grouped {
	day: string | null;
	type: string | null;
	code: string | null;
	phase: string;
	messages: string;
	price: string;
	priced: string;
}

/**
 * Everything the overview shows for a range, read from the rollups only (never sms_messages):
 * one grouping-sets scan of sms_message_rollups, the failure reasons, the latency histogram.
 * Runs as the member (RLS: viewer and up).
 */
export async function loadOverview(tx: TransactionSql, organizationId: string, range: OverviewRange): Promise<Overview> {
	// One scan: grouping sets leave the keys a set does not group by null.
	const grouped = await tx<Grouped[]>`
		with r as (
			select to_char(bucket at time zone ${range.timeZone}, 'YYYY-MM-DD') as day, notification_type as type,
				calling_code as code, public.sms_status_phase(status) as phase, messages, price, priced
			from public.sms_message_rollups
			where organization_id = ${organizationId} and bucket >= ${range.from} and bucket < ${range.to}
		)
		select day, type, code, phase, sum(messages)::text as messages, sum(price)::text as price, sum(priced)::text as priced
		from r
		group by grouping sets ((day, phase), (type, phase), (code, phase))
		having sum(messages) <> 0 or sum(priced) <> 0`;
	const totals = empty();
	const daily = new Map(range.days.map((d) => [d, empty()]));
	const byType = new Map<string, OutcomeCounts>();
	const byCountry = new Map<string, OutcomeCounts>();
	let amount = 0;
	let priced = 0;
	for (const g of grouped) {
		const n = Number(g.messages);
		if (g.day !== null) {
			add(totals, g.phase, n);
			const counts = daily.get(g.day);
			if (counts) add(counts, g.phase, n);
			amount += Number(g.price);
			priced += Number(g.priced);
		} else if (g.type !== null) {
			const counts = byType.get(g.type) ?? empty();
			add(counts, g.phase, n);
			byType.set(g.type, counts);
		} else if (g.code !== null) {
			const counts = byCountry.get(g.code) ?? empty();
			add(counts, g.phase, n);
			byCountry.set(g.code, counts);
		}
	}
	const failureRows = await tx<{ code: number; n: string }[]>`
		select error_code as code, sum(messages)::text as n
		from public.sms_failure_rollups
		where organization_id = ${organizationId} and bucket >= ${range.from} and bucket < ${range.to}
		group by 1 having sum(messages) > 0 order by 2 desc, 1 limit 10`;
	const failedTotal = totals.failed;
	const latencyRows = await tx<{ bucket: number; n: string; ms: string }[]>`
		select latency_bucket as bucket, sum(messages)::text as n, sum(latency_ms)::text as ms
		from public.sms_latency_rollups
		where organization_id = ${organizationId} and bucket >= ${range.from} and bucket < ${range.to}
		group by 1`;
	return {
		totals,
		latency: summarizeLatency(latencyRows.map((r) => ({ bucket: r.bucket, messages: Number(r.n), latencyMs: Number(r.ms) }))),
		// Providers report prices as negative amounts (a charge); shown as a positive cost.
		cost: { amount: Math.abs(amount), priced },
		daily: [...daily.entries()].map(([day, counts]) => ({ day, counts })),
		byType: rows(byType),
		byCountry: rows(byCountry),
		failures: failureRows.map((r) => ({
			code: r.code === 0 ? null : r.code,
			count: Number(r.n),
			share: failedTotal > 0 ? Number(r.n) / failedTotal : 0
		}))
	};
}
