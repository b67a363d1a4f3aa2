import { describe, expect, it } from 'vitest';
import { slidingWindow } from './rate-limit.ts';

const window = { limit: 3, windowMs: 60_000 };

describe('slidingWindow', () => {
	it('allows while fewer than the limit fall inside the window', () => {
		expect(slidingWindow({ timestamps: [], window, now: 100_000 })).toEqual({ allowed: true });
		expect(slidingWindow({ timestamps: [50_000, 60_000], window, now: 100_000 })).toEqual({ allowed: true });
	});

	it('ignores events older than the window', () => {
		expect(slidingWindow({ timestamps: [10_000, 20_000, 39_999, 40_000, 99_000], window, now: 100_000 })).toEqual({ allowed: true });
	});

	it('counts events stamped slightly in the future (clock skew)', () => {
		expect(slidingWindow({ timestamps: [90_000, 100_050, 100_100], window, now: 100_000 })).toEqual({
			allowed: false,
			retryAfterSeconds: 50
		});
	});

	it('refuses at the limit and says when the oldest blocking event drops out', () => {
		expect(slidingWindow({ timestamps: [70_000, 50_000, 60_000], window, now: 100_000 })).toEqual({
			allowed: false,
			retryAfterSeconds: 10
		});
	});

	it('waits for enough events to expire when over the limit', () => {
		// 5 events, limit 3: the 3rd newest (at 60 s) must expire, at 120 s.
		expect(slidingWindow({ timestamps: [41_000, 50_000, 60_000, 70_000, 80_000], window, now: 100_000 })).toEqual({
			allowed: false,
			retryAfterSeconds: 20
		});
	});

	it('never answers less than one second', () => {
		expect(slidingWindow({ timestamps: [40_001, 50_000, 60_000], window, now: 100_000 })).toEqual({
			allowed: false,
			retryAfterSeconds: 1
		});
	});
});
