import type { MessageAccepted, SendMessage } from '$lib/api/v1/schemas/messages';
import { sealE164 } from '$lib/server/phones/input';
import { shownPhone } from '$lib/server/phones/view';

/** A number as SQL takes it in JSON (`to.phone_sealed`, the shape of public.sealed_phone). */
export interface SealedPhoneJson {
	enc: string;
	hash: string;
	last4: string;
	calling_code: string | null;
}

/**
 * The request's `to.phone` sealed before SQL sees it (`to.phone_sealed`): the database never
 * holds, logs or echoes a number. The schema takes E.164 only (a + and the country code), so no
 * default country applies: sealE164 is sealPhoneInput without the parsing.
 */
export function sealRecipient<M extends Pick<SendMessage, 'to'>>(message: M): M {
	const { phone, ...to } = message.to;
	if (phone === undefined) return message;
	const s = sealE164(phone);
	const phone_sealed: SealedPhoneJson = { enc: s.enc, hash: s.hash, last4: s.last4, calling_code: s.callingCode };
	return { ...message, to: { ...to, phone_sealed } };
}

/**
 * A number as an answer holds it (phone_enc, and its last four) → as the key's holder sees it:
 * in full (an API key is the application's own, as an operator's view). An answer kept before
 * the numbers were sealed holds '•••• 1234' instead, shown as it is.
 */
export function openedPhone(
	stored: string | null,
	last4: string | null,
	open: (sealed: string | null, last4: string | null) => string = (s, l) => shownPhone(s, l, true)
): string {
	if (stored !== null && !stored.startsWith('p1.')) return stored;
	return open(stored, last4);
}

/** One text's answer with its number opened (`phoneLast4` is the database's, not the API's). */
export function openAccepted(stored: MessageAccepted & { to: { phoneLast4?: string | null } }): MessageAccepted {
	const { phoneLast4, ...to } = stored.to;
	return { ...stored, to: { ...to, phone: openedPhone(to.phone, phoneLast4 ?? null) } };
}
