import { describe, expect, it } from 'vitest';
import { bucketLower, formatDuration, latencyBucket, summarizeLatency, type LatencyBin } from './latency.ts';

function histogram(times: number[]): LatencyBin[] {
	const bins = new Map<number, LatencyBin>();
	for (const ms of times) {
		const b = latencyBucket(ms);
		const bin = bins.get(b) ?? { bucket: b, messages: 0, latencyMs: 0 };
		bin.messages += 1;
		bin.latencyMs += ms;
		bins.set(b, bin);
	}
	return [...bins.values()];
}

describe('latency histogram', () => {
	it('puts each time in the bucket whose bounds hold it', () => {
		for (const ms of [1, 2, 3, 1000, 1024, 65_536, 86_400_000]) {
			const b = latencyBucket(ms);
			expect(bucketLower(b)).toBeLessThanOrEqual(ms);
			expect(bucketLower(b + 1)).toBeGreaterThan(ms);
		}
		expect(latencyBucket(0)).toBe(0);
	});

	it('gives the exact average and a p95 within 4.5 % of the true one', () => {
		// A long tail: 900 fast texts (0.3-3 s), 100 slow ones (20 s-10 min).
		const times = [...Array.from({ length: 900 }, (_, i) => 300 + i * 3), ...Array.from({ length: 100 }, (_, i) => 20_000 + i * 5_800)];
		const sorted = [...times].sort((a, b) => a - b);
		const trueP95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
		const s = summarizeLatency(histogram(times));
		expect(s.count).toBe(1000);
		expect(s.averageMs).toBeCloseTo(times.reduce((a, b) => a + b, 0) / 1000, 6);
		expect(Math.abs(s.p95Ms! - trueP95) / trueP95).toBeLessThan(0.045);
	});

	it('says nothing without texts', () => {
		expect(summarizeLatency([])).toEqual({ count: 0, averageMs: null, p95Ms: null });
		expect(formatDuration(null)).toBe('—');
		expect([formatDuration(850), formatDuration(4200), formatDuration(185_000), formatDuration(7_800_000)]).toEqual(['850 ms', '4.2 s', '3 min 5 s', '2 h 10 min']);
	});
});
