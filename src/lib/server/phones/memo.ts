import { shownPhone } from './view.ts';

/** Distinct sealed values an export keeps opened at once (a few hundred kB). */
export const OPENED_PHONES_KEPT = 10_000;

/**
 * shownPhone for many rows (an export, a batch answer), opening each distinct sealed value once. A text carries its
 * recipient's sealed number as it was copied (contract: sealed values are copied as they are),
 * so one person's hundred texts share one ciphertext; an AES-GCM open costs tens of µs (cipher
 * set-up per call), which per row would bound an operator's export at a few ten thousand rows a
 * second. Bounded: the memo starts over past OPENED_PHONES_KEPT values.
 */
export function shownPhones(showNumbers: boolean): (sealed: string | null, last4: string | null) => string {
	if (!showNumbers) return (sealed, last4) => shownPhone(sealed, last4, false);
	const opened = new Map<string, string>();
	return (sealed, last4) => {
		if (!sealed) return shownPhone(sealed, last4, true);
		let shown = opened.get(sealed);
		if (shown === undefined) {
			if (opened.size >= OPENED_PHONES_KEPT) opened.clear();
			shown = shownPhone(sealed, last4, true);
			opened.set(sealed, shown);
		}
		return shown;
	};
}
