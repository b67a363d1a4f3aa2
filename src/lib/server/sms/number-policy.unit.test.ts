import { describe, expect, it } from 'vitest';
import { checkVerificationNumber } from './number-policy.ts';

const policy = { allowedCountries: ['US', 'GB'] };

describe('checkVerificationNumber', () => {
	it.each([
		['+14155552671', 'US', '1'],
		['+447400123456', 'GB', '44']
	])('allows the mobile number %s', (phone, country, callingCode) => {
		expect(checkVerificationNumber(phone, policy)).toEqual({ allowed: true, country, callingCode });
	});

	it.each([
		['+19002345678', /premium-rate/],
		['+449098790000', /premium-rate/],
		['+18005550199', /toll-free/],
		['+442079460000', /landline/],
		['+15005550006', /forwarding/]
	])('refuses %s by its type', (phone, message) => {
		const verdict = checkVerificationNumber(phone, policy);
		expect(verdict).toMatchObject({ allowed: false, reason: 'number_type' });
		expect(verdict.allowed === false && verdict.message).toMatch(message);
	});

	it.each([['+33612345678'], ['+881234567890'], ['+61412345678']])('refuses %s by its country', (phone) => {
		expect(checkVerificationNumber(phone, policy)).toMatchObject({ allowed: false, reason: 'country' });
	});

	it('accepts the sandbox test numbers only when told to', () => {
		expect(checkVerificationNumber('+15005550010', { ...policy, allowTestNumbers: true })).toMatchObject({ allowed: true });
		expect(checkVerificationNumber('+15005550010', policy)).toMatchObject({ allowed: false });
	});

	it('country codes are compared case-insensitively', () => {
		expect(checkVerificationNumber('+14155552671', { allowedCountries: ['us'] })).toMatchObject({ allowed: true });
	});
});
