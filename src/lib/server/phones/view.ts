/**
 * How a stored number is shown: opened for members allowed to see numbers, else its last four
 * digits. The one place pages and exports decide it, so a forgotten check shows a mask, not a number.
 */
import { isSealedPhone, maskedPhone, phoneCipher, PhoneCryptoError, redactPhoneNumbers } from '@sms/db';

export function shownPhone(sealed: string | null | undefined, last4: string | null | undefined, canSeeNumbers: boolean): string {
	if (!canSeeNumbers || !sealed) return maskedPhone(last4);
	try {
		return phoneCipher().decrypt(sealed);
	} catch (error) {
		// A value under a key no longer configured: the page still renders, with the mask.
		if (error instanceof PhoneCryptoError) return maskedPhone(last4);
		throw error;
	}
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A sealed value stored without its last four beside it (an audit row's phone_enc, a sealed
 * cell): opened for members allowed to see numbers; for others, a number as its last four and
 * any number inside a text masked. A value under a key no longer configured shows as hidden.
 */
export function shownSealedValue(sealed: string, canSeeNumbers: boolean): string {
	let text: string;
	try {
		text = phoneCipher().decrypt(sealed);
	} catch (error) {
		if (error instanceof PhoneCryptoError) return '•••• (hidden)';
		throw error;
	}
	return shownText(text, canSeeNumbers, E164.test(text) ? { last4: text.slice(-4) } : null);
}

/**
 * Text a member typed or a file held, which may be or contain a number: whole for members allowed
 * to see numbers; for others a number cell (`asNumber`) as its last four and numbers inside any
 * other text masked.
 */
export function shownText(text: string, canSeeNumbers: boolean, asNumber: { last4: string | null | undefined } | null = null): string {
	if (canSeeNumbers) return text;
	if (asNumber) return text.trim() === '' ? '' : maskedPhone(asNumber.last4);
	return redactPhoneNumbers(text);
}

/**
 * A JSON document (an audit row's before/after) as shown: a contact's `phone_enc` becomes
 * `phone` (shownSealedValue), its blind index is dropped, any other sealed value is shown the
 * same way where it stands.
 */
export function shownSealedFields(value: unknown, canSeeNumbers: boolean): unknown {
	if (typeof value === 'string') return isSealedPhone(value) ? shownSealedValue(value, canSeeNumbers) : value;
	if (Array.isArray(value)) return value.map((v) => shownSealedFields(v, canSeeNumbers));
	if (value === null || typeof value !== 'object') return value;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) {
		if (k === 'phone_hash' && typeof v === 'string' && v.startsWith('h1.')) continue;
		if (k === 'phone_enc' && isSealedPhone(v)) out.phone = shownSealedValue(v, canSeeNumbers);
		else out[k] = shownSealedFields(v, canSeeNumbers);
	}
	return out;
}

/**
 * A number the send path still stores in clear (docs/phone-encryption-send-path.md): the same
 * rule — full for members allowed to see numbers, else the last four digits — until it is sealed
 * and these callers move to shownPhone.
 */
export function shownClearPhone<T extends string | null>(e164: T, canSeeNumbers: boolean): T {
	if (e164 === null || canSeeNumbers) return e164;
	return maskedPhone(e164.slice(-4)) as T;
}

/**
 * The default of every `showNumbers` option: hidden. Callers pass `ctx.can.operate` — operators
 * and up see numbers, as on the message page's payloads — so a caller that passes nothing masks.
 */
export const NUMBERS_HIDDEN = { showNumbers: false } as const;
