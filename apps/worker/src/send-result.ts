import { segmentInfo, type SendSmsResult, type TwilioMessage } from '@sms/twilio-service';
import type { SendResultRow } from './store.ts';

/** Twilio reports prices negative ("-0.00790" = charged); we store the cost as a positive number. */
export function priceText(price: number | string | null): string | null {
	if (price === null || price === '') return null;
	const n = Math.abs(Number(price));
	return Number.isFinite(n) ? String(n) : null;
}

/**
 * The one shape in which Twilio's answer is stored on a text (attach_sms_sid), whether it came
 * from the create call or was found at Twilio by a recovery lookup.
 */
export function storedSendResult(
	body: string,
	answer: Extract<SendSmsResult, { ok: true }> | TwilioMessage
): SendResultRow {
	const info = segmentInfo(body);
	if ('ok' in answer) {
		return {
			sid: answer.sid,
			providerStatus: answer.providerStatus,
			segments: answer.segments,
			encoding: info.encoding,
			price: priceText(answer.price),
			priceUnit: answer.priceUnit
		};
	}
	return {
		sid: answer.sid,
		providerStatus: answer.status,
		// Messaging Service sends report 0 segments until a sender is chosen: count them ourselves.
		segments: answer.numSegments && answer.numSegments > 0 ? answer.numSegments : info.segments,
		encoding: info.encoding,
		price: priceText(answer.price),
		priceUnit: answer.priceUnit
	};
}
