import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { sessionCookie, signIn } from './support/auth.ts';
import { connect, phoneColumns, userId, type Sql } from './support/db.ts';
import { e2e } from './support/env.ts';

/**
 * The console's retry and export (issue 12, parts 5 and 6): an operator retries a failed text
 * and lands on the new one; a viewer sees no Retry and a forged retry POST is refused; an
 * export downloads a CSV whose rows are the filtered list's. Failed texts are arranged in the
 * database as the worker and the webhook would leave them.
 */
const SLUG = 'demo';
let sql: Sql;
let org: string;

test.beforeAll(async () => {
	sql = connect();
	const [o] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	org = o!.id;
});
test.afterAll(async () => {
	await sql.end();
});

/** A signed-up person with this role in the demo workspace. */
async function member(role: 'operator' | 'viewer'): Promise<string> {
	const email = `retry-${role}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
	await sessionCookie(email);
	await sql`select public.add_organization_member(${org}, ${await userId(sql, email)}, ${role})`;
	return email;
}

/** A contact with a delivered and a failed text; returns the last four digits and the failed text. */
async function failedText(): Promise<{ last4: string; name: string; failed: string }> {
	for (;;) {
		const last4 = String(1000 + Math.floor(Math.random() * 9000));
		const phone = `+1415555${last4}`;
		const name = `Retry Person ${last4}`;
		const p = phoneColumns(phone);
		const [contact] = await sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
			values (${org}, ${name}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) on conflict do nothing returning id`;
		if (!contact) continue;
		await sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			values (${org}, ${contact.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Doors open at 7pm', 'delivered', now() - interval '2 hours')`;
		const [failed] = await sql<{ id: string }[]>`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, created_at)
			values (${org}, ${contact.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Your seat is B12', 'undelivered', 30003, now() - interval '1 hour') returning id`;
		return { last4, name, failed: failed!.id };
	}
}

const retriesOf = async (id: string) => (await sql<{ id: string }[]>`select id from public.sms_messages where retry_of = ${id}`).length;

test('an operator retries a failed text and sees the new text, linked to the failed one', async ({ page }) => {
	const email = await member('operator');
	const { failed } = await failedText();
	await signIn(page, email, `/w/${SLUG}/messages/${failed}`);
	await page.getByRole('button', { name: 'Retry this text' }).click();
	await expect(page.getByTestId('retry-outcome')).toContainText('Retry queued as a new text');
	const [retry] = await sql<{ id: string }[]>`select id from public.sms_messages where retry_of = ${failed}`;
	const href = await page.getByTestId('retry-link').first().getAttribute('href');
	expect(href).toBe(`/w/${SLUG}/messages/${retry!.id}`);
	await page.goto(href!);
	await expect(page.getByTestId('body')).toHaveText('Your seat is B12');
	await expect(page.getByText('This text retries')).toBeVisible();
	expect(await retriesOf(failed)).toBe(1);

	// The failed text now says so, and offers no second retry.
	await page.goto(`/w/${SLUG}/messages/${failed}`);
	await expect(page.getByTestId('retried-as')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Retry this text' })).toHaveCount(0);
	await expect(page.getByTestId('retry-reason')).toContainText('already retried');
});

test('an operator retries all failures of a filtered view after confirming the counts', async ({ page }) => {
	const email = await member('operator');
	const { last4, failed } = await failedText();
	await signIn(page, email, `/w/${SLUG}/messages`);
	await page.goto(`/w/${SLUG}/messages?q=${last4}`);
	await page.getByTestId('retry-all').click();
	await expect(page.getByTestId('retry-confirm')).toContainText('1 failed text will be retried as new texts.');
	expect(await retriesOf(failed)).toBe(0);
	await page.getByTestId('retry-all-confirm').click();
	await expect(page.getByTestId('retry-done')).toContainText('Retried 1 text as new texts');
	expect(await retriesOf(failed)).toBe(1);
});

test('a viewer sees no Retry, and a forged retry POST is refused', async ({ page }) => {
	const email = await member('viewer');
	const { last4, failed, name } = await failedText();
	await signIn(page, email, `/w/${SLUG}/messages/${failed}`);
	await expect(page.getByTestId('body')).toHaveText('Your seat is B12');
	await expect(page.getByTestId('retry')).toHaveCount(0);
	await page.goto(`/w/${SLUG}/messages?q=${last4}`);
	await expect(page.getByTestId('message-row')).toHaveCount(2);
	await expect(page.getByTestId('retry-all')).toHaveCount(0);
	await page.getByRole('link', { name }).first().click();
	await expect(page.getByTestId('history-row')).toHaveCount(2);
	await expect(page.getByTestId('retry')).toHaveCount(0);

	for (const [path, form] of [
		[`/w/${SLUG}/messages/${failed}?/retry`, { message_id: failed }],
		[`/w/${SLUG}/messages?/retryAll`, { view: `q=${last4}` }]
	] as const) {
		const res = await page.request.post(path, { form, headers: { origin: e2e.baseUrl }, maxRedirects: 0 });
		expect(res.status(), path).toBe(403);
	}
	expect(await retriesOf(failed)).toBe(0);
});

async function listIds(page: Page): Promise<string[]> {
	return page.getByTestId('message-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
}

test('an export downloads a CSV whose rows are the filtered list', async ({ page }) => {
	const email = await member('viewer');
	const { last4 } = await failedText();
	await signIn(page, email, `/w/${SLUG}/messages`);
	await page.goto(`/w/${SLUG}/messages?q=${last4}`);
	const ids = await listIds(page);
	expect(ids).toHaveLength(2);
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-link').click()]);
	expect(download.suggestedFilename()).toMatch(/^messages-demo-.*\.csv$/);
	await expect(page.getByTestId('export-status')).toContainText('Exported 2 rows.');
	const rows = parse(await readFile((await download.path())!, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
	expect(rows.map((r) => r.id)).toEqual(ids);
	// A viewer's export carries the last four digits only (numbers in full: operators and up).
	expect(rows[0]).toMatchObject({ phone: `•••• ${last4}`, verdict: 'failed', body: 'Your seat is B12' });
});
