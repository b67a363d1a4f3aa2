/**
 * Sent → delivered latency from the overview's histogram (sms_latency_rollups). SQL assigns a
 * time to bucket b = floor(8 · log2(max(ms, 1))) (internal.sms_latency_bucket); this file turns
 * buckets back into bounds. supabase/tests/overview-rollups.test.ts checks the two agree.
 */

/** Eight buckets per doubling: a bucket is 2^(1/8) ≈ 1.09 wide, so a percentile is within ±4.5 %. */
export const BUCKETS_PER_DOUBLING = 8;

/** The bucket a time falls in (the same rule as internal.sms_latency_bucket). */
export function latencyBucket(ms: number): number {
	const x = Math.max(ms, 1);
	let b = Math.floor(BUCKETS_PER_DOUBLING * Math.log2(x));
	// Guard float rounding at the edges: the bounds below are the definition.
	while (bucketLower(b + 1) <= x) b += 1;
	while (bucketLower(b) > x) b -= 1;
	return b;
}

/** The smallest time in bucket b (ms). */
export function bucketLower(b: number): number {
	return 2 ** (b / BUCKETS_PER_DOUBLING);
}

export interface LatencyBin {
	bucket: number;
	messages: number;
	latencyMs: number;
}

export interface LatencySummary {
	count: number;
	averageMs: number | null;
	p95Ms: number | null;
}

/**
 * The average (exact: sums are kept) and the p95 (interpolated inside its bucket, on the
 * log scale the buckets use) of a histogram.
 */
export function summarizeLatency(bins: readonly LatencyBin[], quantile = 0.95): LatencySummary {
	const sorted = bins.filter((b) => b.messages > 0).sort((a, b) => a.bucket - b.bucket);
	const count = sorted.reduce((n, b) => n + b.messages, 0);
	if (count === 0) return { count: 0, averageMs: null, p95Ms: null };
	const total = sorted.reduce((n, b) => n + b.latencyMs, 0);
	const rank = quantile * count;
	let seen = 0;
	let p95 = bucketLower(sorted.at(-1)!.bucket);
	for (const bin of sorted) {
		if (seen + bin.messages >= rank) {
			const within = bin.messages === 0 ? 0 : (rank - seen) / bin.messages;
			const lower = bin.bucket <= 0 ? 0 : bucketLower(bin.bucket);
			const upper = bucketLower(bin.bucket + 1);
			p95 = bin.bucket <= 0 ? upper * within : lower * (upper / lower) ** within;
			// Never outside what the bucket's own mean allows for a single-text bucket.
			if (bin.messages === 1) p95 = bin.latencyMs;
			break;
		}
		seen += bin.messages;
	}
	return { count, averageMs: total / count, p95Ms: p95 };
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number | null): string {
	if (ms === null) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const s = ms / 1000;
	if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
	const min = Math.floor(s / 60);
	if (min < 60) return `${min} min ${Math.round(s - min * 60)} s`;
	const h = Math.floor(min / 60);
	return `${h} h ${min - h * 60} min`;
}
