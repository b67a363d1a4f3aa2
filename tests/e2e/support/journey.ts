import { expect, type Page } from '@playwright/test';
import { e2e } from './env.ts';

/** The code the sandbox "texted" to this phone (what the dev phone page shows). */
export async function codeFromSandbox(phone: string): Promise<string> {
	let code: string | undefined;
	await expect
		.poll(async () => {
			const res = await fetch(`${e2e.sandboxUrl}/_sandbox/verifications?to=${encodeURIComponent(phone)}`);
			if (!res.ok) return null;
			code = ((await res.json()) as { code?: string }).code;
			return code ?? null;
		})
		.not.toBeNull();
	return code!;
}

/** On /settings/sms: enter the number, request a code, read it from the sandbox, confirm it. */
export async function verifyPhone(page: Page, phone: string): Promise<void> {
	await page.getByLabel('Phone number').fill(phone);
	await page.getByRole('button', { name: 'Send code' }).click();
	await expect(page.getByLabel('Verification code')).toBeVisible();
	await page.getByLabel('Verification code').fill(await codeFromSandbox(phone));
	await page.getByRole('button', { name: 'Verify', exact: true }).click();
	await expect(page.getByText('Verified', { exact: true })).toBeVisible();
}

/** Replies from the phone, as the dev phone does: the sandbox posts it, signed, to our webhook. */
export async function replyFromPhone(phone: string, body: string): Promise<{ status: number; twiml: string }> {
	const res = await fetch(`${e2e.sandboxUrl}/_sandbox/reply`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ from: phone, body })
	});
	expect(res.status).toBe(200);
	return (await res.json()) as { status: number; twiml: string };
}

/** Opens /history and waits until the live stream is connected. */
export async function openLiveHistory(page: Page): Promise<void> {
	await page.goto('/history');
	await expect(page.getByTestId('live-status')).toContainText('Live');
	// Marks this document: if anything reloads the page, the mark is gone.
	await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}

export async function assertNotReloaded(page: Page): Promise<void> {
	expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
}
