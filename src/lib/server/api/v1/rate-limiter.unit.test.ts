import { describe, expect, it } from 'vitest';
import { ApiKeyLimits, KeyRateLimiter } from './rate-limiter.ts';

function limits() {
	let now = 0;
	const l = new ApiKeyLimits(new KeyRateLimiter(() => now));
	return { l, advance: (ms: number) => (now += ms) };
}

describe('ApiKeyLimits (the rate limit in front of one-call sends)', () => {
	it('lets a key it does not know yet through, then counts that request once it learns the rate', () => {
		const { l } = limits();
		const first = l.check('h');
		expect(first).toEqual({ wait: null, counted: false, rate: null });
		expect(l.learn('h', 2, first.counted)).toBeNull(); // token 1 of 2, taken after the fact
		expect(l.check('h')).toMatchObject({ wait: null, counted: true }); // token 2
		expect(l.check('h')).toEqual({ wait: 1, counted: true, rate: 2 });
	});

	it('refills at the rate', () => {
		const { l, advance } = limits();
		l.learn('h', 1, false);
		expect(l.check('h').wait).toBe(1);
		advance(1000);
		expect(l.check('h').wait).toBeNull();
	});

	it('says when a request counted after the database was over the rate (two first requests at once)', () => {
		const { l } = limits();
		const a = l.check('h');
		const b = l.check('h');
		expect(l.learn('h', 1, a.counted)).toBeNull();
		expect(l.learn('h', 1, b.counted)).toBe(1);
	});

	it('forgets a key the database refused, so made-up keys keep nothing and a revoked one is asked again', () => {
		const { l } = limits();
		l.learn('h', 1, false);
		expect(l.check('h').wait).toBe(1);
		l.learn('h', null, true);
		expect(l.check('h')).toEqual({ wait: null, counted: false, rate: null });
	});

	it('follows a changed rate', () => {
		const { l } = limits();
		l.learn('h', 1, false);
		expect(l.check('h').wait).toBe(1);
		l.learn('h', 1000, true);
		expect(l.check('h').rate).toBe(1000);
	});
});
