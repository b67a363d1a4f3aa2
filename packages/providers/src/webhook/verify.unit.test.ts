import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safeEqual, verify23Telecom, verifySmsRetail } from './verify.ts';

// Expected signatures are computed here with node:crypto directly, not with the module's helpers.
const sign = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');
const SECRET = 'whsec-test-7f3a';
const BODY = '{"id":12345,"status":"delivered","to":"+15551230000"}';

describe('verifySmsRetail', () => {
	it('accepts X-Signature = hex HMAC-SHA256 of the raw body', () => {
		const headers = new Headers({ 'X-Signature': sign(SECRET, BODY) });
		expect(verifySmsRetail({ rawBody: BODY, headers, secret: SECRET })).toEqual({ ok: true });
	});

	it('accepts upper-case hex', () => {
		const headers = new Headers({ 'X-Signature': sign(SECRET, BODY).toUpperCase() });
		expect(verifySmsRetail({ rawBody: BODY, headers, secret: SECRET }).ok).toBe(true);
	});

	it('refuses a tampered body, a wrong secret, a missing header', () => {
		const headers = new Headers({ 'X-Signature': sign(SECRET, BODY) });
		expect(verifySmsRetail({ rawBody: BODY.replace('delivered', 'failed'), headers, secret: SECRET })).toEqual({
			ok: false,
			reason: 'bad_signature'
		});
		expect(verifySmsRetail({ rawBody: BODY, headers, secret: 'other' })).toEqual({ ok: false, reason: 'bad_signature' });
		expect(verifySmsRetail({ rawBody: BODY, headers: new Headers(), secret: SECRET })).toEqual({
			ok: false,
			reason: 'missing_signature'
		});
	});

	it('signs the raw bytes, not a re-serialisation', () => {
		const spaced = '{ "id": 12345, "status": "delivered" }';
		const headers = new Headers({ 'X-Signature': sign(SECRET, JSON.stringify(JSON.parse(spaced))) });
		expect(verifySmsRetail({ rawBody: spaced, headers, secret: SECRET }).ok).toBe(false);
	});
});

describe('verify23Telecom', () => {
	const body = '{"messageId":"abc-123","status":"DELIVRD","cost":"0.012","num_parts":2}';
	const now = Date.UTC(2026, 11, 1, 12, 0, 0);
	const ts = (offsetMs: number) => String(Math.floor((now + offsetMs) / 1000));
	const headersFor = (timestamp: string, signedBody = body, secret = SECRET) =>
		new Headers({
			'X-Webhook-Timestamp': timestamp,
			'X-Webhook-Signature': `sha256=${sign(secret, `${timestamp}.${signedBody}`)}`
		});
	const query = new URLSearchParams({ token: SECRET });
	const check = (headers: Headers, q = query, at = now, raw = body) =>
		verify23Telecom({ rawBody: raw, headers, query: q, secret: SECRET, now: at });

	it('accepts the token and a fresh signature', () => {
		expect(check(headersFor(ts(0)))).toEqual({ ok: true });
	});

	it('needs the token as well as the signature', () => {
		expect(check(headersFor(ts(0)), new URLSearchParams())).toEqual({ ok: false, reason: 'missing_token' });
		expect(check(headersFor(ts(0)), new URLSearchParams({ token: 'nope' }))).toEqual({ ok: false, reason: 'bad_token' });
	});

	it('needs the signature as well as the token', () => {
		expect(check(new Headers({ 'X-Webhook-Timestamp': ts(0) }))).toEqual({ ok: false, reason: 'missing_signature' });
		const unprefixed = new Headers({ 'X-Webhook-Timestamp': ts(0), 'X-Webhook-Signature': sign(SECRET, `${ts(0)}.${body}`) });
		expect(check(unprefixed)).toEqual({ ok: false, reason: 'bad_signature' });
	});

	it('refuses a tampered body and a signature over another timestamp', () => {
		expect(check(headersFor(ts(0)), query, now, body.replace('DELIVRD', 'UNDELIV'))).toEqual({
			ok: false,
			reason: 'bad_signature'
		});
		const moved = headersFor(ts(0));
		moved.set('X-Webhook-Timestamp', ts(-1000 * 10));
		expect(check(moved)).toEqual({ ok: false, reason: 'bad_signature' });
		expect(check(headersFor(ts(0), body, 'other'))).toEqual({ ok: false, reason: 'bad_signature' });
	});

	it('accepts up to 5 minutes old and refuses older (a replay)', () => {
		expect(check(headersFor(ts(-299_000))).ok).toBe(true);
		expect(check(headersFor(ts(-300_000))).ok).toBe(true);
		expect(check(headersFor(ts(-301_000)))).toEqual({ ok: false, reason: 'stale_timestamp' });
		expect(check(headersFor(ts(-86_400_000)))).toEqual({ ok: false, reason: 'stale_timestamp' });
	});

	it('refuses a timestamp more than 5 minutes ahead', () => {
		expect(check(headersFor(ts(299_000))).ok).toBe(true);
		expect(check(headersFor(ts(301_000)))).toEqual({ ok: false, reason: 'stale_timestamp' });
	});

	it('refuses a missing or non-numeric timestamp', () => {
		const headers = new Headers({ 'X-Webhook-Signature': `sha256=${sign(SECRET, `.${body}`)}` });
		expect(check(headers)).toEqual({ ok: false, reason: 'missing_timestamp' });
		expect(check(headersFor('2026-12-01T12:00:00Z'))).toEqual({ ok: false, reason: 'bad_timestamp' });
	});
});

describe('safeEqual', () => {
	it('compares strings of any length', () => {
		expect(safeEqual('abc', 'abc')).toBe(true);
		expect(safeEqual('abc', 'abd')).toBe(false);
		expect(safeEqual('abc', 'abcd')).toBe(false);
		expect(safeEqual('', '')).toBe(true);
	});
});
