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
