import { expect, test } from '@playwright/test';

test('the production build serves the home page and reports a healthy database', async ({ page, request }) => {
	const health = await request.get('/api/health');
	expect(health.status()).toBe(200);
	expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok' });

	await page.goto('/');
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
