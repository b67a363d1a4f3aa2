import { describe, expect, it } from 'vitest';
import { isCrossSiteRequest } from './csrf.ts';

const APP = 'https://app.example.com';

function check(path: string, init: { method?: string; origin?: string | null; type?: string | null } = {}): boolean {
	const headers = new Headers();
	if (init.origin) headers.set('origin', init.origin);
	if (init.type) headers.set('content-type', init.type);
	const method = init.method ?? 'POST';
	const request = new Request(`${APP}${path}`, { method, headers, body: method === 'GET' ? undefined : 'x' });
	// A body sets text/plain by default: drop it when the case has no Content-Type.
	if (!init.type) request.headers.delete('content-type');
	return isCrossSiteRequest(request, new URL(request.url));
}

describe('isCrossSiteRequest', () => {
	it.each([
		['POST', APP, 'application/json', false],
		['POST', APP, 'application/x-www-form-urlencoded', false],
		['POST', 'https://evil.example', 'application/json', true],
		['POST', 'https://evil.example', null, true],
		['PUT', 'https://evil.example', 'application/json', true],
		['PATCH', 'https://evil.example', 'application/json', true],
		['DELETE', 'https://evil.example', null, true],
		// A sibling origin (same site, other host or port) is another origin.
		['POST', 'https://admin.example.com', 'application/json', true],
		['POST', 'http://app.example.com', 'application/json', true],
		['POST', 'null', 'application/x-www-form-urlencoded', true]
	])('%s with Origin %s and %s → %s', (method, origin, type, expected) => {
		expect(check('/settings', { method, origin, type })).toBe(expected);
	});

	it.each([
		// No Origin: refuse what a cross-site form or no-cors fetch can send without a preflight.
		[null, true],
		['application/x-www-form-urlencoded', true],
		['Multipart/Form-Data; boundary=x', true],
		['text/plain;charset=UTF-8', true],
		// ...but a JSON body needs a preflight, which a foreign page cannot pass.
		['application/json', false],
		['application/json; charset=utf-8', false]
	])('POST without Origin, Content-Type %s → %s', (type, expected) => {
		expect(check('/api/sms/verify', { type })).toBe(expected);
	});

	it('never refuses a safe method, whatever its origin', () => {
		expect(check('/history', { method: 'GET', origin: 'https://evil.example' })).toBe(false);
	});

	it('leaves the signed Twilio webhooks to their signature check', () => {
		for (const path of ['/api/webhooks/twilio/status', '/api/webhooks/twilio/incoming']) {
			expect(check(path, { type: 'application/x-www-form-urlencoded' })).toBe(false);
		}
		// Only those exact paths: a lookalike is checked like any other route.
		expect(check('/api/webhooks/twilio/status/', { type: 'application/x-www-form-urlencoded' })).toBe(true);
		expect(check('/api/webhooks/twilio/other', { origin: 'https://evil.example', type: 'application/json' })).toBe(true);
	});
});
