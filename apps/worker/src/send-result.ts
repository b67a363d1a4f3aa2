import type { ProviderId, ProviderText } from '@sms/providers';
import { segmentInfo } from '@sms/twilio-service';
import type { SendResultRow } from './store.ts';

/** Prices arrive negative from Twilio ("-0.00790" = charged); we store the cost as a positive number. */
export function priceText(price: number | string | null): string | null {
	if (price === null || price === '') return null;
	const n = Math.abs(Number(price));
	return Number.isFinite(n) ? String(n) : null;
}

/**
 * The one shape in which a provider's answer is stored on a text (sms_attach_dispatched),
 * whether it came from the send call or was found at the provider by a recovery lookup.
 */
export function storedSendResult(provider: ProviderId, body: string, answer: ProviderText): SendResultRow {
	const info = segmentInfo(body);
	return {
		provider,
		reference: answer.reference,
		providerStatus: answer.rawStatus,
		status: answer.status,
		// Messaging Service sends report 0 segments until a sender is chosen (the adapter says
		// null then): count them ourselves.
		segments: answer.segments ?? info.segments,
		encoding: info.encoding,
		price: priceText(answer.price),
		priceUnit: answer.priceUnit
	};
}
