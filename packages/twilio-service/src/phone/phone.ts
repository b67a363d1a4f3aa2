import {
	isSupportedCountry,
	parsePhoneNumberFromString,
	validatePhoneNumberLength,
	type CountryCode
} from 'libphonenumber-js';
import { isE164 } from '../validate/e164.ts';
import { PhoneNumberError } from './errors.ts';

export type { CountryCode };

// Twilio's magic test numbers (+15005550001…09) are not real numbers but must be accepted so
// the test credentials and our sandbox can exercise every failure path.
const TWILIO_TEST_NUMBER = /^\+1500555000\d$/;
// What people type into a phone field. Letters are refused outright: libphonenumber would
// silently read "1-800-FLOWERS" as +11800, and an "ext. 5" cannot receive a text anyway.
const PHONE_CHARACTERS = /^\+?[\d\s().\-/]+$/;


/** True for Twilio's test numbers +15005550001 … +15005550009 (and …0000). */
export function isTwilioTestNumber(e164: string): boolean {
	return TWILIO_TEST_NUMBER.test(e164);
}

/**
 * Normalises what a person typed into an E.164 number ("+14155552671").
 * Numbers without a leading + are read as national numbers of `defaultCountry`.
 * Throws PhoneNumberError with a message that says what is wrong.
 */
export function normalizePhone(input: string, defaultCountry?: CountryCode): string {
	const trimmed = input.trim();
	if (trimmed === '') {
		throw new PhoneNumberError({ code: 'empty', input, message: 'Enter a phone number.' });
	}
	if (defaultCountry !== undefined && !isSupportedCountry(defaultCountry)) {
		throw new PhoneNumberError({
			code: 'invalid_country',
			input,
			message: `"${defaultCountry}" is not a country we recognise.`
		});
	}
	if (!PHONE_CHARACTERS.test(trimmed) || !/\d/.test(trimmed)) {
		throw new PhoneNumberError({
			code: 'not_a_number',
			input,
			message: 'A phone number can only contain digits, spaces, brackets, dashes and a leading +.'
		});
	}

	const compact = trimmed.replace(/[\s().\-/]/g, '');
	if (isTwilioTestNumber(compact)) return compact;

	const international = trimmed.startsWith('+');
	if (!international && defaultCountry === undefined) {
		throw new PhoneNumberError({
			code: 'invalid_country',
			input,
			message: 'Include the country code, starting with + (for example +1 for the US or +44 for the UK).'
		});
	}

	const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
	if (parsed?.isValid()) return parsed.number;

	const lengthProblem = validatePhoneNumberLength(trimmed, defaultCountry);
	switch (lengthProblem) {
		case 'INVALID_COUNTRY':
			throw new PhoneNumberError({
				code: 'invalid_country',
				input,
				message: `The country code in ${trimmed} doesn't exist. Check the digits after the +.`
			});
		case 'TOO_SHORT':
			throw new PhoneNumberError({
				code: 'too_short',
				input,
				message: 'This phone number is too short: a digit seems to be missing.'
			});
		case 'TOO_LONG':
			throw new PhoneNumberError({
				code: 'too_long',
				input,
				message: 'This phone number is too long: check for an extra digit.'
			});
		case 'NOT_A_NUMBER':
			throw new PhoneNumberError({ code: 'not_a_number', input, message: "This doesn't look like a phone number." });
		default:
			throw new PhoneNumberError({
				code: 'invalid',
				input,
				message: "This number has the right length but doesn't exist in its country's numbering plan. Check the area code."
			});
	}
}

/** ISO country of an E.164 number ("US", "GB"…), or null when it cannot be told. */
export function phoneCountry(e164: string): CountryCode | null {
	if (isTwilioTestNumber(e164)) return 'US';
	return parsePhoneNumberFromString(e164)?.country ?? null;
}
