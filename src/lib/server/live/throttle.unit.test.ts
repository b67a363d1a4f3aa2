import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle.ts';

describe('throttle', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('fires the first call at once, folds a burst into one call at the end of the pause', () => {
		const fire = vi.fn();
		const t = throttle(fire, 1000);
		t.call();
		expect(fire).toHaveBeenCalledTimes(1);
		for (let i = 0; i < 50; i++) {
			vi.advanceTimersByTime(10);
			t.call();
		}
		expect(fire).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(499);
		expect(fire).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(1);
		expect(fire).toHaveBeenCalledTimes(2);
		vi.advanceTimersByTime(5000);
		expect(fire).toHaveBeenCalledTimes(2);
		t.call();
		expect(fire).toHaveBeenCalledTimes(3);
	});

	it('cancel drops a pending call', () => {
		const fire = vi.fn();
		const t = throttle(fire, 1000);
		t.call();
		t.call();
		t.cancel();
		vi.advanceTimersByTime(2000);
		expect(fire).toHaveBeenCalledTimes(1);
	});
});
