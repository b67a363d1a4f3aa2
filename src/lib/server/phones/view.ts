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
