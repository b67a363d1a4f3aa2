import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { e2e } from './env.ts';

/** Local-mode sign-in over HTTP (same-origin form POST, as the browser would send it). */
export async function signInRequest(request: APIRequestContext, email: string): Promise<void> {
	const res = await request.post(`${e2e.baseUrl}/login?/local`, {
		form: { email, redirectTo: '/history' },
		headers: { origin: e2e.baseUrl, accept: 'text/html' },
		maxRedirects: 0
	});
	expect(res.status(), await res.text()).toBeLessThan(400);
}

/** Local-mode sign-in through the page. */
export async function signIn(page: Page, email: string, next = '/settings/sms'): Promise<void> {
	await page.goto(`/login?redirectTo=${encodeURIComponent(next)}`);
	await page.getByLabel('E-mail').first().fill(email);
	await page.getByRole('button', { name: /sign in/i }).first().click();
	await page.waitForURL((url) => url.pathname === next);
}

/** Local-mode sign-in with plain fetch; returns the `sms_session=…` cookie to send along. */
export async function sessionCookie(email: string): Promise<string> {
	const res = await fetch(`${e2e.baseUrl}/login?/local`, {
		method: 'POST',
		headers: { origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body: new URLSearchParams({ email, redirectTo: '/history' }),
		redirect: 'manual'
	});
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sms_session='));
	if (!cookie) throw new Error(`sign-in gave no session cookie (${res.status})`);
	return cookie.split(';')[0]!;
}
