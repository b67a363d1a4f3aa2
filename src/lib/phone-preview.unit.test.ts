import { describe, expect, it } from 'vitest';
import { e164Preview } from './phone-preview.ts';

describe('e164Preview', () => {
	it.each([
		['(415) 555-2671', 'US', '+14155552671'],
		['07911 123456', 'GB', '+447911123456'],
		['+33 6 12 34 56 78', 'US', '+33612345678']
	])('%s in %s → %s', (input, country, expected) => {
		expect(e164Preview(input, country)).toBe(expected);
	});

	it.each([[''], ['41'], ['hello'], ['+1 415']])('nothing to show for %j', (input) => {
		expect(e164Preview(input, 'US')).toBeNull();
	});
});
