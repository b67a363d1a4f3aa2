import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** 23telecom refuses (and so do we) signatures whose timestamp is further than this from now. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

export type VerifyFailure =
	| 'missing_signature'
	| 'bad_signature'
	| 'missing_token'
	| 'bad_token'
	| 'missing_timestamp'
	| 'bad_timestamp'
	| 'stale_timestamp';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

/** Header lookup; `Headers` from fetch/SvelteKit fits. */
export interface HeaderSource {
	get(name: string): string | null;
}

/**
 * Constant-time equality for strings of any length: both sides are hashed to 32 bytes first,
 * so neither the content nor the length of the expected value leaks through timing.
 */
export function safeEqual(a: string, b: string): boolean {
	const ha = createHash('sha256').update(a, 'utf8').digest();
	const hb = createHash('sha256').update(b, 'utf8').digest();
	return timingSafeEqual(ha, hb);
}

export function hmacHex(secret: string, data: string): string {
	return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
}

/** sms-retail: `X-Signature` = hex HMAC-SHA256(secret, raw body). Hex compared case-insensitively. */
export function verifySmsRetail(input: { rawBody: string; headers: HeaderSource; secret: string }): VerifyResult {
	const given = input.headers.get('x-signature')?.trim();
	if (!given) return { ok: false, reason: 'missing_signature' };
	return safeEqual(given.toLowerCase(), hmacHex(input.secret, input.rawBody)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

/**
 * 23telecom: both the `token` query parameter (seed 001: equal to the secret) and
 * `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, "{X-Webhook-Timestamp}.{raw body}")>`,
 * with the timestamp in Unix seconds and no further than 5 minutes from `now` (either way:
 * a replay later than that is refused, and so is a clock far ahead).
 */
export function verify23Telecom(input: {
	rawBody: string;
	headers: HeaderSource;
	query: URLSearchParams;
	secret: string;
	now: number;
}): VerifyResult {
	const token = input.query.get('token');
	if (!token) return { ok: false, reason: 'missing_token' };
	const tokenOk = safeEqual(token, input.secret);
	const header = input.headers.get('x-webhook-signature')?.trim();
	if (!header) return { ok: false, reason: 'missing_signature' };
	const timestamp = input.headers.get('x-webhook-timestamp')?.trim();
	if (!timestamp) return { ok: false, reason: 'missing_timestamp' };
	if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
	const given = header.toLowerCase().startsWith('sha256=') ? header.slice(7).toLowerCase() : '';
	const signatureOk = safeEqual(given, hmacHex(input.secret, `${timestamp}.${input.rawBody}`));
	// Every comparison runs before deciding, so the answer's timing does not say which failed.
	if (!tokenOk) return { ok: false, reason: 'bad_token' };
	if (!signatureOk) return { ok: false, reason: 'bad_signature' };
	if (Math.abs(input.now - Number(timestamp) * 1000) > TIMESTAMP_TOLERANCE_MS) return { ok: false, reason: 'stale_timestamp' };
	return { ok: true };
}
