import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { uniquePhone } from './support/env.ts';

/**
 * A list chosen before the page's script has run (a slow phone or network) is still read: its
 * change event fired with nobody listening, so the drop zone takes the file when it mounts.
 */
test('a CSV chosen before the page is interactive is uploaded once it is', async ({ page }) => {
	await signIn(page, 'admin@example.com', '/w/demo');
	// Hold the app's scripts until the file is chosen: the server-rendered page has no handlers yet.
	let release!: () => void;
	const held = new Promise<void>((r) => (release = r));
	await page.route('**/_app/immutable/**/*.js', async (route) => {
		await held;
		await route.continue();
	});
	await page.goto('/w/demo/campaigns/new', { waitUntil: 'commit' });
	const csv = `name,phone\nAnn,${uniquePhone()}\nBob,${uniquePhone()}\n`;
	await page.getByTestId('file-input').setInputFiles({ name: 'early.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
	await expect(page.getByTestId('report-valid')).toHaveCount(0);
	release();
	await expect(page.getByTestId('report-valid')).toHaveText('2');
});
