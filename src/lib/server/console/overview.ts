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
	messages: number;
	price: number;
	priced: number;
}

interface Answer {
	grouped: Grouped[];
	failures: { code: number; messages: number }[];
	latency: { bucket: number; messages: number; ms: number }[];
}

/**
 * Everything the overview shows for a range, read from the rollups only (never sms_messages)
 * through workspace_overview(), which checks the member's role once (viewer and up).
 */
export async function loadOverview(tx: TransactionSql, organizationId: string, range: OverviewRange): Promise<Overview> {
	const [row] = await tx<{ o: Answer }[]>`
		select public.workspace_overview(${organizationId}::uuid, ${range.from}, ${range.to}, ${range.timeZone}) as o`;
	const { grouped, failures: failureRows, latency: latencyRows } = row!.o;
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
	const failedTotal = totals.failed;
	return {
		totals,
		latency: summarizeLatency(latencyRows.map((r) => ({ bucket: r.bucket, messages: Number(r.messages), latencyMs: Number(r.ms) }))),
		// Providers report prices as negative amounts (a charge); shown as a positive cost.
		cost: { amount: Math.abs(amount), priced },
		daily: [...daily.entries()].map(([day, counts]) => ({ day, counts })),
		byType: rows(byType),
		byCountry: rows(byCountry),
		failures: failureRows.map((r) => ({
			code: r.code === 0 ? null : r.code,
			count: Number(r.messages),
			share: failedTotal > 0 ? Number(r.messages) / failedTotal : 0
		}))
	};
}
