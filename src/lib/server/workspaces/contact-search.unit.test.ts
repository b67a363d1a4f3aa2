import { describe, expect, it } from 'vitest';
import { parseContactSearch } from './contact-search.ts';

describe('parseContactSearch', () => {
	it('reads a US number typed in any format as digits plus its E.164 form', () => {
		for (const typed of ['(415) 555-0123', '415.555.0123', '4155550123', '+1 415 555 0123', ' 415-555-0123 ']) {
			expect({ typed, search: parseContactSearch(typed, 'US') }).toEqual({
				typed,
				search: { name: null, digits: typed.includes('+1') ? '14155550123' : '4155550123', e164: '+14155550123' }
			});
		}
	});

	it('reads the last four digits as a suffix-able digit string with no full number', () => {
		expect(parseContactSearch('0123', 'US')).toEqual({ name: null, digits: '0123', e164: null });
	});

	it("reads a national number in the workspace's country, trunk zero and all", () => {
		expect(parseContactSearch('07911 123456', 'GB')).toEqual({ name: null, digits: '07911123456', e164: '+447911123456' });
		// The same digits in a US workspace are not a valid number: digits only.
		expect(parseContactSearch('07911 123456', 'US')?.e164).toBeNull();
	});

	it('treats anything with letters as a name, and nothing as no filter', () => {
		expect(parseContactSearch('Ada 2', 'US')).toEqual({ name: 'Ada 2', digits: null, e164: null });
		expect(parseContactSearch('  ', 'US')).toBeNull();
		expect(parseContactSearch('()-', 'US')).toEqual({ name: '()-', digits: null, e164: null });
	});
});
