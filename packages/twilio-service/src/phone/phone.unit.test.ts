import { describe, expect, it } from 'vitest';
import { normalizePhone, phoneCountry, PhoneNumberError, type CountryCode, type PhoneNumberErrorCode } from './index.ts';

describe('normalizePhone', () => {
	it.each<[string, CountryCode | undefined, string]>([
		['+14155552671', undefined, '+14155552671'],
		['+1 (415) 555-2671', undefined, '+14155552671'],
		['  +1 415.555.2671  ', undefined, '+14155552671'],
		['(415) 555-2671', 'US', '+14155552671'],
		['415 555 2671', 'CA', '+14155552671'],
		['020 7183 8750', 'GB', '+442071838750'],
		['07911 123456', 'GB', '+447911123456'],
		['+33 6 12 34 56 78', 'US', '+33612345678'],
		['0044 20 7183 8750', 'GB', '+442071838750'],
		['+15005550001', undefined, '+15005550001'],
		['+1 500 555 0006', undefined, '+15005550006'],
		['+15005550009', undefined, '+15005550009']
	])('%s (%s) → %s', (input, country, expected) => {
		expect(normalizePhone(input, country)).toBe(expected);
	});

	it.each<[string, CountryCode | undefined, PhoneNumberErrorCode, RegExp]>([
		['', 'US', 'empty', /enter a phone number/i],
		['   ', undefined, 'empty', /enter a phone number/i],
		['4155552671', undefined, 'invalid_country', /country code/i],
		['4155552671', 'XX' as CountryCode, 'invalid_country', /"XX"/],
		['+999 1234567', undefined, 'invalid_country', /country code/i],
		['abc', 'US', 'not_a_number', /digits/],
		['1-800-FLOWERS', 'US', 'not_a_number', /digits/],
		['+1 202 555 0143 ext. 5', undefined, 'not_a_number', /digits/],
		['+1 415 555 2671 +', undefined, 'not_a_number', /digits/],
		['---', 'US', 'not_a_number', /digits/],
		['12', 'US', 'too_short', /too short/],
		['+1 415 555 267', undefined, 'too_short', /too short/],
		['+1 415 555 2671 999', undefined, 'too_long', /too long/],
		['+1 123 456 7890', undefined, 'invalid', /area code/],
		['+1 555 123 4567', undefined, 'invalid', /area code/]
	])('%s (%s) fails with %s', (input, country, code, message) => {
		let caught: unknown;
		try {
			normalizePhone(input, country);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(PhoneNumberError);
		const error = caught as PhoneNumberError;
		expect(error.code).toBe(code);
		expect(error.message).toMatch(message);
		expect(error.input).toBe(input);
	});
});

describe('phoneCountry', () => {
	it.each([
		['+14155552671', 'US'],
		['+16135550123', 'CA'],
		['+442071838750', 'GB'],
		['+33612345678', 'FR'],
		['+15005550006', 'US'],
		['+999123', null],
		['not a number', null]
	])('%s → %s', (input, expected) => {
		expect(phoneCountry(input)).toBe(expected);
	});
});
