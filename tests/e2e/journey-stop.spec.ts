import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { uniqueEmail, uniquePhone } from './support/env.ts';
import { replyFromPhone, verifyPhone } from './support/journey.ts';

test('replying STOP from the phone opts out; the next text is Not sent (opted out)', async ({ page }) => {
	const phone = uniquePhone();
	await signIn(page, uniqueEmail('journey3'), '/settings/sms');
	await verifyPhone(page, phone);

	const reply = await replyFromPhone(phone, 'STOP');
	expect(reply.status).toBe(200);
	expect(reply.twiml).toMatch(/unsubscribed/);

	await page.reload();
	await expect(page.getByText('You are opted out of all texts.')).toBeVisible();
	await expect(page.getByText(/You replied STOP/)).toBeVisible();

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
