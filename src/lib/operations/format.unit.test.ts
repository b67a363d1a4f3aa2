import { describe, expect, it } from 'vitest';
import { formatAge } from './format.ts';

describe('formatAge', () => {
	it.each([
		[null, '—'],
		[0, '0 s'],
		[59.4, '59 s'],
		[60, '1 min'],
		[3599, '59 min'],
		[3600, '1 h'],
		[7500, '2 h 5 min'],
		[86_400 * 3 + 5, '3 d'],
		[-4, '0 s']
	])('%s s reads as %s', (seconds, expected) => {
		expect(formatAge(seconds)).toBe(expected);
	});
});
