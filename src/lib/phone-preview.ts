import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * The E.164 form of what is typed so far, for showing back while typing ("+14155552671"),
 * or null while it is not yet a plausible number. The server re-checks on submit.
 */
export function e164Preview(input: string, country: string): string | null {
	const trimmed = input.trim();
	if (!/\d{4,}/.test(trimmed.replace(/\D/g, ''))) return null;
	try {
		const parsed = parsePhoneNumberFromString(trimmed, country as CountryCode);
		return parsed?.isPossible() ? parsed.number : null;
	} catch {
		return null;
	}
}
