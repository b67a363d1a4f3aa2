import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { PhoneNormaliser } from './phone.ts';

describe('PhoneNormaliser', () => {
	const us = new PhoneNormaliser('US');

	it.each([
		['(415) 555-2671', '+14155552671', 'US', null],
		['+1 604 555 0123', '+16045550123', 'CA', null],
		['604-555-0123', '+16045550123', 'CA', null],
		['1.4155552671E+10', '+14155552671', 'US', 'excel_scientific'],
		['4.47400123456E+11', '+447400123456', 'GB', 'excel_scientific'],
		['447400123456', '+447400123456', 'GB', 'missing_plus'],
		['33612345678', '+33612345678', 'FR', 'missing_plus'],
		['011 44 7400 123456', '+447400123456', 'GB', null],
		['14155552671.0', '+14155552671', 'US', null],
		['="4155552671"', '+14155552671', 'US', null],
		['+15005550006', '+15005550006', 'US', null]
	])('%s → %s', (cell, e164, country, repaired) => {
		expect(us.normalise(cell)).toEqual({ ok: true, e164, country, repaired });
	});

	it.each([
		['', 'missing_phone', 'no phone number'],
		['1.41555E+10', 'excel_damaged', 'number damaged by Excel: 1.41555E+10 lost its last digits. Format the column as Text in the spreadsheet, retype the numbers and export again'],
		['1.5E+3', 'excel_damaged', 'number damaged by Excel: 1.5E+3 lost its last digits. Format the column as Text in the spreadsheet, retype the numbers and export again'],
		['+44 20 7183 8750', 'landline', 'a landline number: it cannot receive texts'],
		['+1 900 555 1234', 'not_mobile', 'a premium-rate number: it cannot receive texts'],
		['1-800-FLOWERS', 'not_a_phone_number', 'not a phone number'],
		['+1 415 555', 'not_a_phone_number', 'not a phone number: this phone number is too short: a digit seems to be missing.']
	])('refuses %j: %s', (cell, code, reason) => {
		expect(us.normalise(cell)).toEqual({ ok: false, code, reason });
	});

	it('reads national numbers of the default country, with or without their trunk 0', () => {
		const gb = new PhoneNormaliser('GB');
		expect(gb.normalise('07400 123456')).toMatchObject({ ok: true, e164: '+447400123456', country: 'GB' });
		expect(gb.normalise('7400 123456')).toMatchObject({ ok: true, e164: '+447400123456', country: 'GB' });
		expect(gb.normalise('0044 7400 123456')).toMatchObject({ ok: true, e164: '+447400123456' });
	});

	it('agrees with libphonenumber’s full parse on validity and country (fast path parity)', () => {
		const samples: string[] = [];
		for (const area of ['201', '242', '289', '340', '416', '473', '604', '671', '787', '809', '876', '907']) {
			for (let i = 0; i < 40; i += 1) samples.push(`+1${area}${String(2000000 + i * 197_531).slice(0, 7)}`);
		}
		for (let i = 0; i < 200; i += 1) samples.push(`+44${7000000000 + i * 14_999_999}`, `+49${15_000_000_000 + i * 3_333_337}`, `+7${9000000000 + i * 4_999_999}`);
		const fresh = new PhoneNormaliser('US');
		for (const e164 of samples) {
			const full = parsePhoneNumberFromString(e164);
			const ours = fresh.normalise(e164);
			const fullValid = full?.isValid() === true;
			const textable = fullValid && !['FIXED_LINE', 'PREMIUM_RATE', 'SHARED_COST', 'VOICEMAIL', 'UAN'].includes(full?.getType() ?? '');
			expect({ e164, ok: ours.ok }).toEqual({ e164, ok: textable });
			if (ours.ok) expect({ e164, country: ours.country }).toEqual({ e164, country: full?.country });
		}
	});
});
