import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { uniqueEmail } from './support/env.ts';
import { assertNotReloaded, openLiveHistory, verifyPhone } from './support/journey.ts';

// The sandbox accepts texts to this number, then reports undelivered with 30003.
const UNREACHABLE = '+15005550010';

test('a text the carrier cannot deliver (30003) shows Failed with the plain-English reason', async ({ page, context }) => {
	await signIn(page, uniqueEmail('journey2'), '/settings/sms');
	await verifyPhone(page, UNREACHABLE);

	const history = await context.newPage();
	await openLiveHistory(history);

	await page.getByRole('button', { name: 'Send me a test text' }).click();
	await expect(page.getByText('Test text queued.')).toBeVisible();

	const row = history.getByTestId('history-row').first();
	await expect(row).toHaveAttribute('data-verdict', 'failed', { timeout: 15_000 });
	await expect(row.getByTestId('verdict')).toHaveText(/Failed/);
	// The reason is on the row itself, without expanding it.
	await expect(row.getByTestId('failure-summary')).toContainText(/phone|reach|off|coverage/i);
	await row.locator('summary').click();
	const failure = row.getByTestId('failure');
	await expect(failure).toContainText('30003');
	await expect(failure).toContainText('What to do:');
	await expect(history.getByTestId('summary')).toHaveText('1 sent · 0 delivered · 1 failed');
	await assertNotReloaded(history);

	// The verdict filter finds it; "Delivered" does not.
	await history.goto('/history?verdict=failed');
	await expect(history.getByTestId('history-row')).toHaveCount(1);
	await history.goto('/history?verdict=delivered');
	await expect(history.getByTestId('empty')).toContainText('No texts match these filters.');
});
