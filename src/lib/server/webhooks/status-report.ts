import { WebhookError } from './errors.ts';

/** One status callback, as Twilio described it. Unknown fields stay only in `payload`. */
export interface StatusReport {
	sid: string;
	status: string;
	errorCode: number | null;
	errorMessage: string | null;
	price: string | null;
	priceUnit: string | null;
	payload: Record<string, string>;
}

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
const STATUS_WORD = /^[a-z_-]{1,32}$/;
const PRICE = /^-?\d{1,6}(\.\d{1,10})?$/;

function optional(value: string | undefined): string | null {
	const trimmed = value?.trim();
	return trimmed ? trimmed : null;
}

/** Validates the fields we act on; anything unusable is a 400, never a 500. */
export function parseStatusReport(params: Record<string, string>): StatusReport {
	const sid = optional(params.MessageSid ?? params.SmsSid);
	if (!sid) throw new WebhookError('malformed_body', 'MessageSid is missing.');
	if (!SID.test(sid)) throw new WebhookError('malformed_body', 'MessageSid is not a Twilio SID.');
	const status = optional(params.MessageStatus ?? params.SmsStatus)?.toLowerCase();
	if (!status) throw new WebhookError('malformed_body', 'MessageStatus is missing.');
	if (!STATUS_WORD.test(status)) throw new WebhookError('malformed_body', 'MessageStatus is not a status word.');
	const code = optional(params.ErrorCode);
	let errorCode: number | null = null;
	if (code !== null) {
		errorCode = Number(code);
		if (!Number.isInteger(errorCode) || errorCode < 0 || errorCode > 2_147_483_647) {
			throw new WebhookError('malformed_body', 'ErrorCode is not a number.');
		}
		if (errorCode === 0) errorCode = null;
	}
	const price = optional(params.Price);
	return {
		sid,
		status,
		errorCode,
		errorMessage: optional(params.ErrorMessage),
		// A price we cannot read is dropped, not fatal: the report itself is still worth keeping.
		price: price !== null && PRICE.test(price) ? price : null,
		priceUnit: optional(params.PriceUnit)?.slice(0, 8) ?? null,
		payload: params
	};
}
