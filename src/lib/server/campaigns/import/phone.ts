import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { numberType, placeE164 } from './numbering-plan.ts';
import { isTwilioTestNumber, normalizePhone, PhoneNumberError } from '@sms/twilio-service';

export type PhoneProblem = 'missing_phone' | 'not_a_phone_number' | 'excel_damaged' | 'landline' | 'not_mobile';

export type PhoneResult =
	| { ok: true; e164: string; country: string | null; repaired: 'excel_scientific' | 'missing_plus' | null }
	| { ok: false; code: PhoneProblem; reason: string };

// Excel shows a long number as 1.41555E+10 and saves what it shows.
const SCIENTIFIC = /^\+?(\d+)(?:[.,](\d*))?[eE]\+?(\d{1,2})$/;
const PHONE_CHARACTERS = /^\+?[\d\s().\-/]+$/;
const SEPARATORS = /[\s().\-/]/g;
// What most cells are: digits with spaces, brackets, dashes or slashes, maybe a leading +. Such a
// cell needs none of the repairs below (no quote, apostrophe, exponent or decimal point).
// One quantified class only: no backtracking, whatever the cell (up to 1 MB) holds.
const PLAIN = /^\+?[\d\s()\-/]+$/;
const NON_DIGITS = /\D/g;
// Types that cannot receive a text at all. TOLL_FREE and PERSONAL_NUMBER can be SMS-enabled.
const NOT_TEXTABLE: Record<string, string> = {
	FIXED_LINE: 'a landline number: it cannot receive texts',
	PREMIUM_RATE: 'a premium-rate number: it cannot receive texts',
	SHARED_COST: 'a shared-cost number: it cannot receive texts',
	VOICEMAIL: 'a voicemail access number: it cannot receive texts',
	UAN: 'a company switchboard (UAN) number: it cannot receive texts'
};
const NANP = new Set(['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP']);

/**
 * Normalises one phone cell of an imported file to E.164, repairing what spreadsheets do to
 * phone numbers and refusing, in words, what cannot be repaired. Uses libphonenumber's full
 * ("max") metadata: the import must tell a landline from a mobile, which the default metadata
 * cannot. One instance per import caches verdicts by digits (the same number often appears again).
 */
export class PhoneNormaliser {
	/** Refusals by cell text (explaining one costs a full parse). */
	private readonly refusals = new Map<string, PhoneResult>();
	/** By digits read (and how): "(415) 555-2671" and "415.555.2671" are looked up once. */
	private readonly byDigits = new Map<string, PhoneResult | null>();
	private readonly nanp: boolean;

	constructor(private readonly defaultCountry: CountryCode) {
		this.nanp = NANP.has(defaultCountry);
	}

	normalise(cell: string): PhoneResult {
		const start = cell.trimStart();
		if (PLAIN.test(start)) {
			const digits = start.replace(NON_DIGITS, '');
			const found = digits === '' ? null : this.lookup(digits, start.startsWith('+'), null);
			if (found) return found;
		}
		const refused = this.refusals.get(cell);
		if (refused) return refused;
		const result = this.compute(cell);
		if (!result.ok && this.refusals.size < 100_000) this.refusals.set(cell, result);
		return result;
	}

	private compute(cell: string): PhoneResult {
		let text = cell.trim();
		// ="0123…" and a leading apostrophe are the ways people force Excel to keep a number as text.
		const forced = /^="(.*)"$/.exec(text);
		if (forced) text = (forced[1] ?? '').trim();
		if (text.startsWith("'")) text = text.slice(1).trim();
		if (text === '') return { ok: false, code: 'missing_phone', reason: 'no phone number' };

		let repaired: 'excel_scientific' | null = null;
		const scientific = SCIENTIFIC.exec(text);
		if (scientific) {
			const expanded = expandScientific(scientific);
			if (expanded === null) {
				return {
					ok: false,
					code: 'excel_damaged',
					reason: `number damaged by Excel: ${text} lost its last digits. Format the column as Text in the spreadsheet, retype the numbers and export again`
				};
			}
			text = expanded;
			repaired = 'excel_scientific';
		}
		// 14155552671.0: a number column that went through a float (Sheets, pandas).
		text = text.replace(/^(\+?\d+)\.0+$/, '$1');
		if (!PHONE_CHARACTERS.test(text) || !/\d/.test(text)) {
			return { ok: false, code: 'not_a_phone_number', reason: 'not a phone number' };
		}
		const digits = text.replace(SEPARATORS, '').replace(/^\+/, '');
		const international = text.startsWith('+');
		return (
			this.lookup(digits, international, repaired) ?? {
				ok: false,
				code: 'not_a_phone_number',
				reason: `not a phone number: ${explain(text, this.defaultCountry)}`
			}
		);
	}

	private lookup(digits: string, international: boolean, repaired: 'excel_scientific' | null): PhoneResult | null {
		const key = `${international ? '+' : ''}${digits}${repaired ? 'e' : ''}`;
		let found = this.byDigits.get(key);
		if (found === undefined) {
			found = this.resolve(digits, international, repaired);
			if (this.byDigits.size < 500_000) this.byDigits.set(key, found);
		}
		return found;
	}

	/** The verdict on digits read from a cell, or null when they are no number at all. */
	private resolve(digits: string, international: boolean, repaired: 'excel_scientific' | null): PhoneResult | null {
		const candidates = international ? [`+${digits}`] : this.nationalCandidates(digits);
		for (const candidate of candidates) {
			const accepted = this.accept(candidate, repaired);
			if (accepted) return accepted;
		}
		// A number that lost its leading + (Excel drops it) is still a valid international number.
		if (!international) {
			const accepted = this.accept(`+${digits}`, repaired ?? null);
			if (accepted?.ok) return { ...accepted, repaired: accepted.repaired ?? 'missing_plus' };
			if (accepted) return accepted;
		}
		return null;
	}

	/** E.164 readings of a number written without +, most likely first. */
	private nationalCandidates(digits: string): string[] {
		if (this.nanp) {
			// The fast path for the common case; libphonenumber's full parse costs ~10x more.
			if (digits.length === 10) return [`+1${digits}`];
			if (digits.length === 11 && digits.startsWith('1')) return [`+${digits}`];
		}
		const out: string[] = [];
		const parsed = parsePhoneNumberFromString(digits, this.defaultCountry);
		if (parsed) out.push(parsed.number);
		// A national number that lost its leading 0 (a trunk prefix or, in Italy, part of the number).
		if (!digits.startsWith('0')) {
			const withZero = parsePhoneNumberFromString(`0${digits}`, this.defaultCountry);
			if (withZero) out.push(withZero.number);
		}
		return out;
	}

	/** A textable result for a valid E.164 candidate, a refusal for a valid landline, null if not valid. */
	private accept(e164: string, repaired: 'excel_scientific' | null): PhoneResult | null {
		if (isTwilioTestNumber(e164)) return { ok: true, e164, country: 'US', repaired };
		const place = placeE164(e164);
		if (!place) return null;
		// With full metadata a number is valid exactly when it has a type, so one type lookup
		// answers both questions (isValid() would run the same pattern matching again).
		const type = numberType(place.country, place.national);
		if (type === undefined) return null;
		const refusal = NOT_TEXTABLE[type];
		if (refusal) return { ok: false, code: type === 'FIXED_LINE' ? 'landline' : 'not_mobile', reason: refusal };
		return { ok: true, e164, country: place.country, repaired };
	}
}

/** The integer an exact scientific-notation cell stands for, or null when digits were lost. */
function expandScientific(match: RegExpExecArray): string | null {
	const whole = match[1] ?? '';
	const fraction = match[2] ?? '';
	const exponent = Number(match[3]);
	const significant = (whole + fraction).replace(/^0+/, '');
	const integerDigits = whole.replace(/^0+/, '').length + exponent;
	// 1.4155552671E+10 shows all 11 digits: exact. 1.41555E+10 shows 6 of 11: the rest were rounded away.
	if (fraction.length > exponent) return null; // not an integer at all
	if (significant.length !== integerDigits) return null;
	return significant;
}

/** Why a number is not valid, in the same words the rest of the app uses. */
function explain(text: string, country: CountryCode): string {
	try {
		normalizePhone(text, country);
	} catch (error) {
		if (error instanceof PhoneNumberError) return lowerFirst(error.message);
	}
	return "this number doesn't exist in its country's numbering plan";
}

function lowerFirst(s: string): string {
	return s.charAt(0).toLowerCase() + s.slice(1);
}
