import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** How a contacts search box's text is matched. */
export interface ContactSearch {
	/** Matched against the name (case-insensitive substring), null when the text is a number. */
	name: string | null;
	/** The digits typed, matched as a substring of the E.164 number ("0123" finds …5550123). */
	digits: string | null;
	/** The full number when the text reads as one in the workspace's country ("(415) 555-0123"). */
	e164: string | null;
}

// What a person types into a phone field; anything with letters is a name.
const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

/**
 * Reads a search box: a number in any format (national, international, or just its last
 * digits) or a name. A national number is read in the workspace's default country, so its
 * E.164 form matches even though its leading trunk 0 (UK "07700 …") is not in the stored number.
 */
export function parseContactSearch(input: string, defaultCountry: string): ContactSearch | null {
	const q = input.trim().slice(0, 100);
	if (q === '') return null;
	if (!PHONE_LIKE.test(q) || !/\d/.test(q)) return { name: q, digits: null, e164: null };
	const digits = q.replace(/\D/g, '');
	let e164: string | null = null;
	try {
		const parsed = parsePhoneNumberFromString(q, defaultCountry as CountryCode);
		if (parsed?.isValid()) e164 = parsed.number;
	} catch {
		e164 = null;
	}
	return { name: null, digits, e164 };
}
