import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, insertMessage, messageState, userId } from './support/db.ts';
import { e2e, uniqueEmail } from './support/env.ts';
import { newSid, postSigned, STATUS_PATH, statusParams } from './support/twilio.ts';

test('a cross-site form POST to a page action is refused, while a signed Twilio callback without Origin is accepted', async ({ page, context, request }) => {
	const email = uniqueEmail('journey4');
	await signIn(page, email, '/settings/sms');

	// Another site auto-submits a form at our opt-out action, in the same browser.
	const evil = await context.newPage();
	await evil.setContent(`
		<form id="f" method="POST" action="${e2e.baseUrl}/settings/sms?/optOut">
			<input name="x" value="1">
		</form>`);
	const [response] = await Promise.all([
		evil.waitForResponse((r) => r.url().startsWith(`${e2e.baseUrl}/settings/sms`) && r.request().method() === 'POST'),
		evil.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())
	]);
	expect(response.status()).toBe(403);
	await page.reload();
	await expect(page.getByRole('button', { name: 'Opt out of all texts' })).toBeVisible();

	// The same over plain HTTP: foreign Origin, and no Origin at all.
	for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
		const res = await request.post(`${e2e.baseUrl}/settings/sms?/optOut`, {
			form: { x: '1' },
			headers,
			maxRedirects: 0
		});
		expect(res.status()).toBe(403);
	}

	// Twilio sends no Origin either, but proves itself with the signature.
	const sql = connect();
	try {
		const sid = newSid();
		const id = await insertMessage(sql, { userId: await userId(sql, email), sid });
		const callback = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'delivered') });
		expect(callback.headers()['origin']).toBeUndefined();
		expect(callback.status()).toBe(200);
		expect((await messageState(sql, id)).status).toBe('delivered');
	} finally {
		await sql.end();
	}
});
