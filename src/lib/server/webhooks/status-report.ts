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
const PRICE = /^-?\d{1,12}(\.\d{1,12})?$/;
/** sms_messages.price / sms_delivery_events.price are numeric(10, 5). */
const PRICE_LIMIT = 99_999.99999;
const MAX_ERROR_MESSAGE = 1_000;

/**
 * Postgres text and jsonb cannot hold U+0000 (a whole batch's statement would fail on one such
 * report), and a lone surrogate is not valid UTF-8 there either: both become U+FFFD, so the
 * report is still kept, as received in every other respect.
 */
function storable(value: string): string {
	return value.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function optional(value: string | undefined): string | null {
	const trimmed = value === undefined ? undefined : storable(value).trim();
	return trimmed ? trimmed : null;
}

/** A price Twilio could have sent and our columns can hold; anything else is dropped. */
function price(value: string | null): string | null {
	if (value === null || !PRICE.test(value)) return null;
	const n = Number(value);
	return Number.isFinite(n) && Math.abs(Math.round(n * 1e5) / 1e5) <= PRICE_LIMIT ? value : null;
}

/**
 * Validates and bounds every field before it reaches SQL, so that no single report can make a
 * shared write fail: what identifies the report (SID, status) must be right or it is a 400;
 * the rest is made storable or dropped, never fatal.
 */
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
	return {
		sid,
		status,
		errorCode,
		errorMessage: optional(params.ErrorMessage)?.slice(0, MAX_ERROR_MESSAGE) ?? null,
		// A price we cannot read or store is dropped, not fatal: the report is still worth keeping.
		price: price(optional(params.Price)),
		priceUnit: optional(params.PriceUnit)?.slice(0, 8) ?? null,
		payload: Object.fromEntries(Object.entries(params).map(([k, v]) => [storable(k), storable(v)]))
	};
}
