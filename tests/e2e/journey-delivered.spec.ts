import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { uniqueEmail, uniquePhone } from './support/env.ts';
import { assertNotReloaded, openLiveHistory, verifyPhone } from './support/journey.ts';

test('sign in → verify a phone → set preferences → send a test text → its row turns Delivered without a reload', async ({ page, context }) => {
	await signIn(page, uniqueEmail('journey1'), '/settings/sms');
	await verifyPhone(page, uniquePhone());

	await page.getByLabel('Time zone').selectOption('Europe/London');
	await page.getByRole('button', { name: 'Save preferences' }).click();
	await expect(page.getByText('Preferences saved.')).toBeVisible();

	// History open in a second tab before the text exists: everything it shows next arrives live.
	const history = await context.newPage();
	await openLiveHistory(history);
	await expect(history.getByTestId('empty')).toBeVisible();
	await expect(history.getByText('Times are shown in Europe/London.')).toBeVisible();

	await page.getByRole('button', { name: 'Send me a test text' }).click();
	await expect(page.getByText('Test text queued.')).toBeVisible();

	const row = history.getByTestId('history-row').first();
	await expect(row).toBeVisible({ timeout: 15_000 });
	await expect(row.getByTestId('verdict')).toHaveText(/Delivered/, { timeout: 15_000 });
	await expect(row).toHaveAttribute('data-verdict', 'delivered');
	await expect(history.getByTestId('summary')).toHaveText('1 sent · 1 delivered · 0 failed');
	await assertNotReloaded(history);

	// The row expands into its timeline, ending with the handset's receipt.
	await row.locator('summary').click();
	const timeline = row.getByRole('list', { name: 'Timeline' });
	await expect(timeline.getByText('Created')).toBeVisible();
	await expect(timeline.getByText('Delivered to the phone')).toBeVisible();
	await expect(row.getByText(/GMT|BST/).first()).toBeVisible();
});
