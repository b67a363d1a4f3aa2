import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, userId } from './support/db.ts';
import { uniqueEmail, uniquePhone } from './support/env.ts';
import { replyFromPhone, verifyPhone } from './support/journey.ts';

const OPTED_OUT_PREVIEW = 'With your saved settings: No texts are sent to you while you are opted out.';

test('replying STOP from the phone opts out; the next text is Not sent (opted out)', async ({ page }) => {
	const phone = uniquePhone();
	const email = uniqueEmail('journey3');
	await signIn(page, email, '/settings/sms');
	await verifyPhone(page, phone);
	const preview = page.getByTestId('delivery-preview');
	await page.reload();
	await expect(preview).not.toContainText('opted out');

	const reply = await replyFromPhone(phone, 'STOP');
	expect(reply.status).toBe(200);
	expect(reply.twiml).toMatch(/unsubscribed/);

	await page.reload();
	await expect(page.getByText('You are opted out of all texts.')).toBeVisible();
	await expect(page.getByText(/You replied STOP/)).toBeVisible();
	await expect(preview).toHaveText(OPTED_OUT_PREVIEW);

	await page.getByRole('button', { name: 'Send me a test text' }).click();
	await expect(page.getByText('Test text queued.')).toBeVisible();

	await page.goto('/history');
	const row = page.getByTestId('history-row').first();
	await expect(row).toHaveAttribute('data-verdict', 'not_sent', { timeout: 15_000 });
	await expect(row.getByTestId('verdict')).toHaveText(/Not sent \(opted out\)/);
	await row.locator('summary').click();
	await expect(row.getByTestId('verdict-detail')).toContainText(/STOP|turned texts off/);
	await expect(page.getByTestId('summary')).toHaveText('0 sent · 0 delivered · 0 failed');
});

test('a number that replied STOP before its owner verified it: the preview says opted out, though their own switch is on', async ({ page }) => {
	const phone = uniquePhone();
	const email = uniqueEmail('journey3b');
	// STOP from a number nobody has verified yet (say, texted as a contact): the opt-out belongs to the number.
	const reply = await replyFromPhone(phone, 'STOP');
	expect(reply.status).toBe(200);

	await signIn(page, email, '/settings/sms');
	await verifyPhone(page, phone);
	await page.reload();
	// The page builds its decision from the number's STOP as well as the person's switch, as the
	// worker does: the switch alone would say "delivered right away".
	const sql = connect();
	try {
		const [prefs] = await sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${await userId(sql, email)}`;
		expect(prefs).toEqual({ opted_out: false });
	} finally {
		await sql.end();
	}
	await expect(page.getByTestId('delivery-preview')).toHaveText(OPTED_OUT_PREVIEW);
});
