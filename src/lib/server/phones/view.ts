/**
 * How a stored number is shown: opened for members allowed to see numbers, else its last four
 * digits. The one place pages and exports decide it, so a forgotten check shows a mask, not a number.
 */
import { maskedPhone, phoneCipher, PhoneCryptoError } from '@sms/db';

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
