// Answers the sandbox does not produce (429, unreadable 2xx), through an injected fetch.
import { describe, expect, it } from 'vitest';
import { SmsRetailProvider } from './sms-retail.ts';
import { Telecom23Provider } from './telecom23.ts';
import type { FetchLike } from './http.ts';

const answer = (status: number, body: unknown): FetchLike => async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
const input = { to: '+15551230001', body: 'hi', idempotencyKey: 'k' };

describe('HTTP classification', () => {
	it('429 and throttling codes are retry-later', async () => {
		const retail = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(429, { error: { code: 'rate_limited', message: 'slow down' } }) });
		expect(await retail.send(input)).toMatchObject({ ok: false, error: { kind: 'retry_later', accepted: 'no', code: 'rate_limited' } });
		const telecom = new Telecom23Provider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { errorCode: 3001, errorMessage: 'throttled' }) });
		expect(await telecom.send(input)).toMatchObject({ ok: false, error: { kind: 'retry_later', code: 3001 } });
	});

	it('an account error code is misconfiguration whatever the HTTP status', async () => {
		const telecom = new Telecom23Provider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { errorCode: 2002, errorMessage: 'no credit' }) });
		expect(await telecom.send(input)).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'misconfigured' } });
		const retail = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { error: { code: 'insufficient_funds', message: 'top up' } }) });
		expect(await retail.send(input)).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'misconfigured' } });
	});

	it('an opted-out recipient is permanent and says so (the worker records the STOP); other refusals do not', async () => {
		const retail = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { error: { code: 'opted_out', message: 'opted out' } }) });
		expect(await retail.send(input)).toMatchObject({ ok: false, error: { kind: 'permanent', accepted: 'no', recipientOptedOut: true } });
		const telecom = new Telecom23Provider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { errorCode: 1002, errorMessage: 'blacklisted' }) });
		expect(await telecom.send(input)).toMatchObject({ ok: false, error: { kind: 'permanent', recipientOptedOut: true } });
		const invalid = new Telecom23Provider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { errorCode: 1001, errorMessage: 'bad number' }) });
		expect(await invalid.send(input)).toMatchObject({ ok: false, error: { kind: 'permanent', recipientOptedOut: false } });
		const badNumber = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(400, { error: { code: 'invalid_number', message: 'bad' } }) });
		expect(await badNumber.send(input)).toMatchObject({ ok: false, error: { kind: 'permanent', recipientOptedOut: false } });
	});

	it('an unreadable 2xx to a send may have been accepted', async () => {
		const retail = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(201, '<html>ok</html>') });
		expect(await retail.send(input)).toMatchObject({ ok: false, error: { accepted: 'unknown', code: 'malformed_response' } });
	});

	it('502 and 504 are ambiguous, other 5xx are not', async () => {
		for (const [status, accepted] of [[502, 'unknown'], [504, 'unknown'], [500, 'unknown'], [503, 'no'], [507, 'no']] as const) {
			const p = new Telecom23Provider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(status, '') });
			expect(await p.send(input)).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'outage', accepted } });
		}
	});

	it('a failed status lookup never claims the text may have been accepted', async () => {
		const p = new SmsRetailProvider({ baseUrl: 'http://x', apiKey: 'k', sender: 's', fetch: answer(502, '') });
		expect(await p.fetchStatus('12')).toMatchObject({ ok: false, error: { accepted: 'no' } });
	});

	it('sends the documented request shapes', async () => {
		const seen: { url: string; init: RequestInit }[] = [];
		const record: FetchLike = async (url, init) => {
			seen.push({ url, init });
			return new Response(JSON.stringify({ messageId: 'm1', status: 'PENDING', num_parts: 1 }), { status: 202 });
		};
		const p = new Telecom23Provider({ baseUrl: 'http://t.example/', apiKey: 'key-1', sender: 'ACME', callbackUrl: 'http://app/hook', fetch: record });
		await p.send(input);
		expect(seen[0]?.url).toBe('http://t.example/api/v2/sms');
		expect(new Headers(seen[0]?.init.headers).get('x-api-key')).toBe('key-1');
		expect(JSON.parse(String(seen[0]?.init.body))).toEqual({
			destination: '+15551230001',
			source: 'ACME',
			content: 'hi',
			dlr_url: 'http://app/hook',
			client_ref: 'k'
		});
	});
});
