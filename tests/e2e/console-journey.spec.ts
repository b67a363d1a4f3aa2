import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { signIn } from './support/auth.ts';
import { connect, phoneColumns, type Sql } from './support/db.ts';

/**
 * The operator console end to end (issue 12): the overview's top failure reason leads to the
 * filtered list and a failed text's timeline with raw payloads; the overview follows new
 * texts live; a viewer sees the same pages (numbers cut to the last four); the last four digits
 * find the person. Failed texts are arranged in the database as the worker and the webhook leave them.
 */
const OWNER = 'admin@example.com';
const VIEWER = `console-viewer-${Date.now()}@example.com`;
const SLUG = 'demo';
const CODE = 30003; // Unreachable handset: retryable, and the code most of these texts fail with.

let sql: Sql;
let org: string;
const last4 = String(1000 + Math.floor(Math.random() * 9000));
const phone = `+1415556${last4}`;
const name = `Journey Person ${last4}`;
let failedId: string;

async function failedText(contactId: string, to: string, body: string, minutesAgo: number, code: number | null): Promise<string> {
	const p = phoneColumns(to);
	const [row] = await sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, error_message,
			notification_type, provider, provider_reference, sent_at, failed_at, created_at)
		values (${org}, ${contactId}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, ${body}, 'undelivered', ${code}, 'Unreachable destination handset', 'custom',
			'twilio', ${'SM' + Math.random().toString(16).slice(2).padEnd(32, '0')}, now() - ${minutesAgo + ' minutes'}::interval,
			now() - ${minutesAgo - 1 + ' minutes'}::interval, now() - ${minutesAgo + 1 + ' minutes'}::interval)
		returning id`;
	return row!.id;
}

/** Other people's failures with the same code (not the person we retry: their daily cap stays free). */
let others: { id: string; phone: string }[] = [];

test.beforeAll(async () => {
	sql = connect();
	const [o] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	org = o!.id;
	const p = phoneColumns(phone);
	const [contact] = await sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, ${name}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) returning id`;
	const otherPhones = Array.from({ length: 5 }, (_, i) => `+1415557${String(Number(last4) + i + 1).padStart(4, '0')}`);
	const sealed = otherPhones.map(phoneColumns);
	const inserted = await sql<{ id: string; phone_hash: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		select ${org}, 'Journey other ' || g, e, h, l, c
		  from unnest(${sealed.map((s) => s.phone_enc)}::text[], ${sealed.map((s) => s.phone_hash)}::text[], ${sealed.map((s) => s.phone_last4)}::text[],
		              ${sealed.map((s) => s.calling_code)}::text[]) with ordinality as u(e, h, l, c, g)
		on conflict do nothing returning id, phone_hash`;
	others = inserted.map((r) => ({ id: r.id, phone: otherPhones[sealed.findIndex((s) => s.phone_hash === r.phone_hash)]! }));
	// Enough 30003 failures today to be the top reason whatever else the run left in the demo workspace.
	for (let i = 0; i < 25; i++) await failedText(others[i % others.length]!.id, others[i % others.length]!.phone, `Reminder ${i}`, 12 + i, CODE);
	failedId = await failedText(contact!.id, phone, 'Your seat is B12', 10, CODE);
	await sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, sender_ip, payload, received_at, error_code, applied)
		values (${failedId}, 'sent', 'sent', 'webhook', '203.0.113.9', ${sql.json({ MessageStatus: 'sent' })}, now() - interval '10 minutes', null, true),
			(${failedId}, 'undelivered', 'undelivered', 'webhook', '203.0.113.9', ${sql.json({ MessageStatus: 'undelivered', ErrorCode: String(CODE) })}, now() - interval '9 minutes', ${CODE}, true)`;
	const [viewer] = await sql<{ id: string }[]>`insert into auth.users (email, email_confirmed_at) values (${VIEWER}, now()) returning id`;
	await sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${viewer!.id}, 'viewer')`;
});
test.afterAll(async () => {
	await sql.end();
});

/** From the overview: the top failure reason, then the filtered list, then the failed text's timeline. */
async function fromOverviewToTimeline(page: Page): Promise<void> {
	await page.goto(`/w/${SLUG}?range=today`);
	await expect(page.getByTestId('card-failed')).toBeVisible();
	const top = page.getByTestId('failure-reason').first();
	await expect(top).toHaveAttribute('data-code', String(CODE));
	await expect(top).toContainText('Unreachable handset');
	await top.getByRole('link').click();
	await expect(page).toHaveURL(new RegExp(`/w/${SLUG}/messages\\?.*error=${CODE}`));
	await expect(page.getByLabel('Error code')).toHaveValue(String(CODE));
	const row = page.locator(`[data-testid="message-row"][data-id="${failedId}"]`);
	await expect(row).toBeVisible();
	for (const verdict of await page.getByTestId('message-row').getByTestId('verdict').all()) {
		await expect(verdict).toHaveAttribute('data-verdict', 'failed');
	}
	await row.getByRole('link').first().click();
	await expect(page.getByTestId('body')).toHaveText('Your seat is B12');
	await expect(page.getByTestId('error-explanation')).toContainText(String(CODE));
	const events = page.getByTestId('event');
	await expect(events).toHaveCount(2);
	await events.last().getByText('Raw payload').click();
	await expect(events.last().getByTestId('payload')).toContainText(`"ErrorCode": "${CODE}"`);
}

test('an operator goes from the overview\'s top failure reason to the failed text\'s timeline', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, OWNER, `/w/${SLUG}`);
	await fromOverviewToTimeline(page);
});

test('an operator retries the failed text and watches the retry turn Delivered without a reload', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, OWNER, `/w/${SLUG}`);
	await fromOverviewToTimeline(page);
	await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
	await page.getByTestId('retry').dblclick();
	// The retry is a new text linked to this one; the worker sends it, the sandbox delivers it,
	// and the page follows the workspace's stream until it says so.
	const retry = page.getByTestId('retry-link').first();
	await expect(retry).toBeVisible();
	await expect(retry).toHaveAttribute('data-status', 'delivered', { timeout: 45_000 });
	expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
	// A double click retried it once: one new text, linked to the failed one.
	const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where retry_of = ${failedId}`;
	expect(n).toBe(1);
});

test('the overview counts today\'s texts, and follows new failures live without a reload', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, OWNER, `/w/${SLUG}`);
	await page.goto(`/w/${SLUG}?range=today`);
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
	await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
	const failedCount = async () => Number((await page.getByTestId('card-failed').locator('.text-2xl').innerText()).replace(/,/g, ''));
	const before = await failedCount();
	expect(before).toBeGreaterThanOrEqual(26);
	// The screen-reader table says the same as the chart: today's failed bar links to those texts.
	await page.getByText('Show the numbers as a table').click();
	const failedCell = page.getByTestId('daily-table').locator('a[data-outcome="failed"]').last();
	await expect(failedCell).toHaveText(before.toLocaleString('en'));
	// Three more failures land (as the webhook would write them): the card follows.
	for (let i = 0; i < 3; i++) await failedText(others[i]!.id, others[i]!.phone, `Live ${i}`, 5, CODE);
	await expect.poll(failedCount, { timeout: 15_000 }).toBe(before + 3);
	expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
	await expect(failedCell).toHaveText((before + 3).toLocaleString('en'));
	// Clicking the day's failed bar (the chart's second series) opens the list on that day and verdict.
	const failedBar = page.getByTestId('daily-chart').locator('.lc-bars').nth(1).locator('.lc-bar').last();
	await failedBar.click();
	await expect(page).toHaveURL(/verdict=failed/);
	await expect(page.getByTestId('total')).toHaveText(`${(before + 3).toLocaleString('en')} texts`);
	// … and so does the table's number, for keyboards and screen readers.
	await page.goBack();
	const table = page.locator('details', { has: page.getByTestId('daily-table') });
	if (!(await table.evaluate((d) => (d as HTMLDetailsElement).open))) await page.getByText('Show the numbers as a table').click();
	await page.getByTestId('daily-table').locator('a[data-outcome="failed"]').last().click();
	await expect(page).toHaveURL(/verdict=failed/);
});

test('a viewer sees the same overview, list and timeline without Retry; the last four digits find the person; the export matches the list', async ({ page }) => {
	test.setTimeout(120_000);
	await signIn(page, VIEWER, `/w/${SLUG}`);
	await expect(page.getByTestId('workspace-role')).toHaveText('Viewer');
	await fromOverviewToTimeline(page);
	await expect(page.getByRole('button', { name: /retry/i })).toHaveCount(0);
	await page.goto(`/w/${SLUG}/messages`);
	await page.getByLabel('Recipient').fill(last4);
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page).toHaveURL(new RegExp(`q=${last4}`));
	const rows = page.getByTestId('message-row');
	await expect(rows.first()).toContainText(name);
	// Numbers in full are for operators and up: a viewer sees the last four digits.
	for (const row of await rows.all()) {
		await expect(row).toContainText(`•••• ${last4}`);
		await expect(row).not.toContainText(phone);
	}
	// A viewer exports this filtered view: the CSV's rows are the list's rows, in its order.
	const listed = await Promise.all((await rows.all()).map((r) => r.getAttribute('data-id')));
	const download = page.waitForEvent('download');
	await page.getByTestId('export-link').click();
	const file = await (await download).path();
	const records = parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as { id: string; phone: string; recipient: string }[];
	expect(records.map((r) => r.id)).toEqual(listed);
	for (const r of records) expect(r.phone).toBe(`•••• ${last4}`);
	await expect(page.getByTestId('export-status')).toContainText(`Exported ${listed.length} rows`);
});
