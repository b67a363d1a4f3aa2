import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	formParams,
	signTwilioRequest,
	twilioBodyHash,
	twilioWebhookUrl,
	validateTwilioRequest,
	type ValidateTwilioRequestInput
} from './index.ts';

const TOKEN = '12345678901234567890123456789012';
const PUBLIC = 'https://app.example.com';
const PATH = '/api/webhooks/twilio/status';
const FORM = 'application/x-www-form-urlencoded';

const statusBody = new URLSearchParams({
	MessageSid: 'SM0123456789abcdef0123456789abcdef',
	MessageStatus: 'delivered',
	To: '+14155552671',
	Body: 'Hi there & welcome'
}).toString();

function signedForm(url: string, body: string, token = TOKEN): string {
	return signTwilioRequest({ authToken: token, url, params: formParams(body) });
}

function input(overrides: Partial<ValidateTwilioRequestInput>): ValidateTwilioRequestInput {
	return {
		authToken: TOKEN,
		publicUrl: PUBLIC,
		path: PATH,
		rawQuery: '',
		signature: signedForm(`${PUBLIC}${PATH}`, statusBody),
		contentType: FORM,
		rawBody: statusBody,
		...overrides
	};
}

describe('signTwilioRequest', () => {
	it("matches Twilio's documented algorithm (HMAC-SHA1 of URL + sorted key/value pairs)", () => {
		const url = `${PUBLIC}${PATH}`;
		const params = { To: '+1', Body: 'x', AccountSid: 'AC1' };
		const expected = createHmac('sha1', TOKEN).update(`${url}AccountSidAC1BodyxTo+1`).digest('base64');
		expect(signTwilioRequest({ authToken: TOKEN, url, params })).toBe(expected);
	});
});

describe('twilioWebhookUrl', () => {
	it.each([
		[{ publicUrl: 'https://a.example', path: '/hook', rawQuery: '' }, 'https://a.example/hook'],
		[{ publicUrl: 'https://a.example/', path: '/hook', rawQuery: null }, 'https://a.example/hook'],
		[{ publicUrl: 'https://a.example/base', path: 'hook', rawQuery: '?x=1' }, 'https://a.example/base/hook?x=1'],
		[{ publicUrl: 'https://a.example', path: '/hook', rawQuery: 'b=2&a=%20' }, 'https://a.example/hook?b=2&a=%20']
	])('%j → %s', (parts, expected) => {
		expect(twilioWebhookUrl(parts)).toBe(expected);
	});
});

describe('formParams', () => {
	it('decodes form encoding and keeps repeated keys as arrays', () => {
		expect(formParams('a=1&b=x+y&a=2&c=%26')).toEqual({ a: ['1', '2'], b: 'x y', c: '&' });
	});
});

describe('validateTwilioRequest', () => {
	it.each<[string, Partial<ValidateTwilioRequestInput>, boolean]>([
		['valid form callback', {}, true],
		['content type with charset', { contentType: `${FORM}; charset=utf-8` }, true],
		['tampered parameter', { rawBody: statusBody.replace('delivered', 'failed') }, false],
		['added parameter', { rawBody: `${statusBody}&ErrorCode=30003` }, false],
		['tampered path', { path: '/api/webhooks/twilio/incoming' }, false],
		['other host', { publicUrl: 'https://evil.example.com' }, false],
		['wrong auth token', { authToken: 'ffffffffffffffffffffffffffffffff' }, false],
		['missing signature', { signature: undefined }, false],
		['empty signature', { signature: '' }, false],
		['empty auth token', { authToken: '' }, false],
		['unsupported content type', { contentType: 'text/plain' }, false]
	])('%s → %s', (_name, overrides, expected) => {
		expect(validateTwilioRequest(input(overrides))).toBe(expected);
	});

	it('uses the public https URL even though the app sees http behind a proxy', () => {
		const signature = signedForm(`https://app.example.com${PATH}`, statusBody);
		expect(validateTwilioRequest(input({ signature, publicUrl: 'https://app.example.com' }))).toBe(true);
		// Had we rebuilt the URL from what the proxy forwarded, the check would fail:
		expect(validateTwilioRequest(input({ signature, publicUrl: 'http://127.0.0.1:3000' }))).toBe(false);
		expect(validateTwilioRequest(input({ signature, publicUrl: 'http://app.example.com' }))).toBe(false);
	});

	it('keeps the query string exactly as received', () => {
		const rawQuery = 'tenant=acme&note=a%27b';
		const signature = signedForm(`${PUBLIC}${PATH}?${rawQuery}`, statusBody);
		expect(validateTwilioRequest(input({ signature, rawQuery }))).toBe(true);
		expect(validateTwilioRequest(input({ signature, rawQuery: `?${rawQuery}` }))).toBe(true);
		expect(validateTwilioRequest(input({ signature, rawQuery: '' }))).toBe(false);
		expect(validateTwilioRequest(input({ signature, rawQuery: 'tenant=other&note=a%27b' }))).toBe(false);
	});

	it('validates repeated keys the way Twilio signs them', () => {
		const body = 'MediaUrl=https%3A%2F%2Fm%2F2&MediaUrl=https%3A%2F%2Fm%2F1&MessageSid=SM1';
		const url = `${PUBLIC}${PATH}`;
		const expected = createHmac('sha1', TOKEN)
			.update(`${url}MediaUrlhttps://m/1MediaUrlhttps://m/2MessageSidSM1`)
			.digest('base64');
		expect(validateTwilioRequest(input({ rawBody: body, signature: expected }))).toBe(true);
	});

	describe('JSON body', () => {
		const json = JSON.stringify({ MessageSid: 'SM1', MessageStatus: 'delivered' });
		const rawQuery = `bodySHA256=${twilioBodyHash(json)}`;
		const signature = signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${PATH}?${rawQuery}`, params: {} });

		it.each<[string, Partial<ValidateTwilioRequestInput>, boolean]>([
			['valid', {}, true],
			['tampered body', { rawBody: json.replace('delivered', 'failed') }, false],
			['missing bodySHA256', { rawQuery: '', signature: signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${PATH}`, params: {} }) }, false],
			['tampered URL', { path: '/other' }, false]
		])('%s → %s', (_name, overrides, expected) => {
			expect(
				validateTwilioRequest(input({ contentType: 'application/json', rawBody: json, rawQuery, signature, ...overrides }))
			).toBe(expected);
		});
	});

	it('a bodyless request with no content type is checked against the URL alone', () => {
		const signature = signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${PATH}?a=1`, params: {} });
		expect(validateTwilioRequest(input({ contentType: null, rawBody: '', rawQuery: 'a=1', signature }))).toBe(true);
	});

	it('never throws on a malformed public URL', () => {
		expect(validateTwilioRequest(input({ publicUrl: 'not a url', contentType: 'application/json' }))).toBe(false);
	});
});
