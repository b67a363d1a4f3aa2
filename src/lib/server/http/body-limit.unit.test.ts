import { describe, expect, it } from 'vitest';
import { IMPORT_LIMITS } from '$lib/server/campaigns/import/limits';
import { PAGE_BODY_MAX_BYTES, bodyRefusal, checkBody, type BodyRequest } from './body-limit';

const post = (over: Partial<BodyRequest>): BodyRequest => ({
	method: 'POST',
	pathname: '/settings',
	routeId: '/settings',
	search: '',
	contentLength: '10',
	transferEncoding: null,
	...over
});
const MB = 1024 * 1024;

describe('checkBody', () => {
	it('lets a form post up to the page limit through and refuses one byte more with 413', () => {
		expect(checkBody(post({ contentLength: String(PAGE_BODY_MAX_BYTES) }))).toEqual({ ok: true });
		const over = checkBody(post({ contentLength: String(PAGE_BODY_MAX_BYTES + 1) }));
		expect(over).toMatchObject({ ok: false, status: 413, message: expect.stringMatching(/at most 1 MB/) });
	});

	it('gives the two campaign-upload doors room for a 50 MB file, and only them', () => {
		const fifty = String(IMPORT_LIMITS.maxBytes);
		expect(checkBody(post({ pathname: '/api/w/demo/campaigns/imports', routeId: '/api/w/[slug]/campaigns/imports', contentLength: fifty }))).toEqual({ ok: true });
		expect(checkBody(post({ pathname: '/w/demo/campaigns/new', routeId: '/w/[slug]/campaigns/new', search: '?/upload', contentLength: fifty }))).toEqual({ ok: true });
		// The same page's other actions are ordinary forms.
		expect(checkBody(post({ pathname: '/w/demo/campaigns/new', routeId: '/w/[slug]/campaigns/new', search: '?/create', contentLength: fifty }))).toMatchObject({ status: 413 });
		expect(checkBody(post({ pathname: '/w/demo/campaigns', routeId: '/w/[slug]/campaigns', search: '?/upload', contentLength: fifty }))).toMatchObject({ status: 413 });
		// Not even the upload door takes more than the file limit plus the multipart envelope.
		expect(checkBody(post({ pathname: '/api/w/demo/campaigns/imports', routeId: '/api/w/[slug]/campaigns/imports', contentLength: String(IMPORT_LIMITS.maxBytes + 2 * MB) }))).toMatchObject({ status: 413 });
	});

	it('leaves /api/v1 and the provider webhooks to their own capped readers', () => {
		for (const pathname of ['/api/v1/messages/batch', '/api/webhooks/twilio/status', '/api/webhooks/sms']) {
			expect(checkBody(post({ pathname, routeId: null, contentLength: null, transferEncoding: 'chunked' }))).toEqual({ ok: true });
			expect(checkBody(post({ pathname, routeId: null, contentLength: String(40 * MB) }))).toEqual({ ok: true });
		}
		// A look-alike prefix is not one of them.
		expect(checkBody(post({ pathname: '/api/v1x', routeId: null, contentLength: String(2 * MB) }))).toMatchObject({ status: 413 });
	});

	it('refuses a streamed body of unknown length on page routes, and a length that is not a number', () => {
		expect(checkBody(post({ contentLength: null, transferEncoding: 'chunked' }))).toMatchObject({ ok: false, status: 411 });
		expect(checkBody(post({ contentLength: 'lots' }))).toMatchObject({ ok: false, status: 411 });
		expect(checkBody(post({ contentLength: null, transferEncoding: null }))).toEqual({ ok: true });
	});

	it('never looks at reads', () => {
		for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(checkBody(post({ method, contentLength: String(100 * MB) }))).toEqual({ ok: true });
		for (const method of ['PUT', 'PATCH', 'DELETE']) expect(checkBody(post({ method, contentLength: String(2 * MB) }))).toMatchObject({ status: 413 });
	});
});

describe('bodyRefusal', () => {
	const verdict = { ok: false as const, status: 413 as const, message: 'This form takes at most 1 MB; the request was 2 MB.' };

	it('answers JSON APIs with a code and the sentence', async () => {
		const r = bodyRefusal(verdict, new Request('http://x/api/w/demo/retry', { method: 'POST' }), '/api/w/demo/retry');
		expect(r.status).toBe(413);
		expect(await r.json()).toEqual({ error: { code: 'too_large', message: verdict.message } });
	});

	it('answers an enhanced form with the action result SvelteKit reads', async () => {
		const r = bodyRefusal(verdict, new Request('http://x/settings?/save', { method: 'POST', headers: { 'x-sveltekit-action': 'true' } }), '/settings');
		expect(await r.json()).toEqual({ type: 'error', error: { message: verdict.message } });
	});

	it('answers a plain form post with the sentence as text', async () => {
		const r = bodyRefusal(verdict, new Request('http://x/settings', { method: 'POST' }), '/settings');
		expect(r.headers.get('content-type')).toMatch(/text\/plain/);
		expect(await r.text()).toBe(verdict.message);
	});
});
