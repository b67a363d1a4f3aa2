import { describe, expect, it } from 'vitest';
import { isRetryable, nextRetryDelayMs, retrySchedule, WEBHOOK_MAX_ATTEMPTS } from './retry.ts';

describe('webhook retry schedule', () => {
	it('has 8 attempts with growing delays spread over about a day', () => {
		expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
		const delays = retrySchedule();
		expect(delays).toHaveLength(7);
		for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
		expect(delays[1] / delays[0]).toBe(4);
		const hours = delays.reduce((a, b) => a + b, 0) / 3600_000;
		expect(hours).toBeGreaterThan(20);
		expect(hours).toBeLessThan(30);
	});

	it('stops after the eighth attempt and keeps jitter within ±10 %', () => {
		expect(nextRetryDelayMs(8)).toBeNull();
		expect(nextRetryDelayMs(1, 0)).toBe(81_000);
		expect(nextRetryDelayMs(1, 0.999_999)).toBeLessThanOrEqual(99_000);
		expect(() => nextRetryDelayMs(0)).toThrow(RangeError);
	});

	it('retries failures and timeouts but not successes, 410 Gone or refused URLs', () => {
		expect(isRetryable({ status: 500 })).toBe(true);
		expect(isRetryable({ status: 429 })).toBe(true);
		expect(isRetryable({})).toBe(true);
		expect(isRetryable({ status: 204 })).toBe(false);
		expect(isRetryable({ status: 410 })).toBe(false);
		expect(isRetryable({ refused: true })).toBe(false);
	});
});
