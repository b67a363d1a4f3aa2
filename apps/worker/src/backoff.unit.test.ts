import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextRunAt } from './backoff.ts';

describe('backoffDelayMs', () => {
	it('doubles per attempt between half and the whole of the exponential step', () => {
		for (let attempt = 1; attempt <= 6; attempt++) {
			const step = 1000 * 2 ** (attempt - 1);
			expect(backoffDelayMs({ attempt, baseMs: 1000, maxMs: 1e9, random: () => 0 })).toBe(step / 2);
			expect(backoffDelayMs({ attempt, baseMs: 1000, maxMs: 1e9, random: () => 0.999999 })).toBe(step);
		}
	});

	it('never exceeds the cap, even for absurd attempt numbers', () => {
		expect(backoffDelayMs({ attempt: 10_000, baseMs: 1000, maxMs: 60_000, random: () => 0.999999 })).toBe(60_000);
		expect(backoffDelayMs({ attempt: 10_000, baseMs: 1000, maxMs: 60_000, random: () => 0 })).toBe(30_000);
	});

	it('spreads retries: many draws are not all equal and stay within bounds', () => {
		const draws = Array.from({ length: 200 }, () => backoffDelayMs({ attempt: 3, baseMs: 100, maxMs: 10_000 }));
		expect(new Set(draws).size).toBeGreaterThan(20);
		expect(Math.min(...draws)).toBeGreaterThanOrEqual(200);
		expect(Math.max(...draws)).toBeLessThanOrEqual(400);
	});

	it('treats attempt 0 or negatives as the first retry', () => {
		expect(backoffDelayMs({ attempt: 0, baseMs: 500, maxMs: 1e6, random: () => 0 })).toBe(250);
	});
});

describe('nextRunAt', () => {
	it('adds the delay to now', () => {
		const now = new Date('2026-01-01T00:00:00Z');
		expect(nextRunAt({ now, attempt: 2, baseMs: 1000, maxMs: 1e6, random: () => 0 }).toISOString()).toBe('2026-01-01T00:00:01.000Z');
	});
});
