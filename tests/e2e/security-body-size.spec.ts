import { request as httpRequest } from 'node:http';
import { expect, test } from '@playwright/test';
import { sessionCookie } from './support/auth.ts';
import { e2e, uniqueEmail } from './support/env.ts';

/**
 * The built server reads bodies up to 51 MB (BODY_SIZE_LIMIT, for campaign CSVs), but only the
 * campaign-upload doors may use that: a signed-in, same-origin form post of 2 MB to any other
 * page is refused before the action runs, and so is a streamed body of unknown length.
 */
const MB = 1024 * 1024;

/** A raw chunked POST (Playwright's client always declares a length). */
function chunkedPost(path: string, cookie: string, chunks: number): Promise<{ status: number; body: string }> {
	const url = new URL(path, e2e.baseUrl);
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			url,
			{ method: 'POST', headers: { origin: url.origin, cookie, 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } },
			(res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (body += c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
			}
		);
		req.on('error', reject);
		for (let i = 0; i < chunks; i++) req.write('timeZone=' + 'x'.repeat(64 * 1024) + '&');
		req.end();
	});
}

test('a 2 MB form post and a streamed one are refused on ordinary pages; a small one still works', async ({ request }) => {
	const cookie = await sessionCookie(uniqueEmail('body-size'));
	const headers = { origin: e2e.baseUrl, cookie, 'content-type': 'application/x-www-form-urlencoded' };

	const big = await request.post(`${e2e.baseUrl}/settings/sms?/savePreferences`, { headers, data: 'timeZone=' + 'x'.repeat(2 * MB), maxRedirects: 0 });
	expect(big.status()).toBe(413);
	expect(await big.text()).toMatch(/at most 1 MB/);

	const enhanced = await request.post(`${e2e.baseUrl}/settings/sms?/savePreferences`, { headers: { ...headers, 'x-sveltekit-action': 'true', accept: 'application/json' }, data: 'timeZone=' + 'x'.repeat(2 * MB) });
	expect(enhanced.status()).toBe(413);
	expect(await enhanced.json()).toEqual({ type: 'error', error: { message: expect.stringMatching(/at most 1 MB/) } });

	const streamed = await chunkedPost('/settings/sms?/savePreferences', cookie, 40);
	expect(streamed.status).toBe(411);

	// The same form, at its real size, is answered by the action (it names the bad zone, not the size).
	const small = await request.post(`${e2e.baseUrl}/settings/sms?/savePreferences`, { headers: { ...headers, 'x-sveltekit-action': 'true', accept: 'application/json' }, data: 'timeZone=Nowhere%2FAtAll&dailyLimit=5' });
	expect(small.status()).not.toBe(413);
	expect(small.status()).toBeLessThan(500);
});
