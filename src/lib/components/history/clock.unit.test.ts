import { describe, expect, it } from 'vitest';
import { timelineClock } from './clock.ts';

describe('timelineClock', () => {
	it('shows the date and seconds for the first entry, in the given zone', () => {
		expect(timelineClock({ at: '2026-11-22T11:07:31Z', previous: null, timeZone: 'Europe/Berlin' })).toBe('Sun 22 Nov, 12:07:31');
	});

	it('shows only the time for a later entry on the same local day', () => {
		expect(timelineClock({ at: '2026-11-22T11:07:33Z', previous: '2026-11-22T11:07:31Z', timeZone: 'Europe/Berlin' })).toBe('12:07:33');
	});

	it('repeats the date when the local day changes, even if the UTC day does not', () => {
		// 22:59:59 and 23:00:01 UTC are on different days in Berlin (UTC+1).
		expect(timelineClock({ at: '2026-11-22T23:00:01Z', previous: '2026-11-22T22:59:59Z', timeZone: 'Europe/Berlin' })).toBe(
			'Mon 23 Nov, 00:00:01'
		);
	});

	it('falls back to UTC for an unknown zone instead of throwing', () => {
		expect(timelineClock({ at: '2026-11-22T11:07:31Z', previous: null, timeZone: 'Not/AZone' })).toBe('Sun 22 Nov, 11:07:31');
	});
});
