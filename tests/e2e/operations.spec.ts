import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, phoneColumns, userId, type Sql } from './support/db.ts';

/**
 * Operations (issue 16): the health page shows the running worker's heartbeat and a worker that
 * went silent; a failure-rate alert opens when most texts fail (24 of 28 to Twilio's failing
 * magic number, arranged in the database as the worker leaves them), shows as a banner, in the
 * alert list and on its own page with the numbers behind it and a link to those texts, and
 * resolves once the condition has been clear for 30 minutes. The alert evaluation is the
 * worker's SQL round (evaluate_alerts), called here with the clock moved on.
 *
 * Its own workspace, so the banner never shows on the demo workspace other specs use.
 */
const OWNER = 'admin@example.com';
const FAILING = '+15005550001';

let sql: Sql;
let slug: string;
let org: string;
test.beforeAll(async () => {
	sql = connect();
	slug = `ops-${Date.now().toString(36)}`;
	const [o] = await sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, 'Ops E2E') returning id`;
	org = o!.id;
	await sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${await userId(sql, OWNER)}, 'owner')`;
});
test.afterAll(async () => {
	await sql`delete from public.worker_heartbeats where worker_id like 'e2e-silent-%'`;
	await sql.end();
});

test('the health page shows the live worker and a silent one', async ({ page }) => {
	const silent = `e2e-silent-${slug}`;
	await sql`insert into public.worker_heartbeats (worker_id, version, concurrency, in_flight, last_seen, started_at)
		values (${silent}, 'old', 4, 0, now() - interval '5 minutes', now() - interval '1 hour')`;
	await signIn(page, OWNER, `/w/${slug}/health`);
	const workers = page.getByTestId('workers');
	// The stack's real worker heartbeats every few seconds.
	await expect(workers.locator('tr', { hasText: 'running' }).first()).toBeVisible();
	await expect(workers.locator('tr', { hasText: silent })).toContainText('silent');
	await expect(workers.locator('tr', { hasText: silent })).toContainText('5 min');
	await expect(page.getByTestId('no-worker')).toHaveCount(0);
	await expect(page.getByTestId('health-no-alerts')).toBeVisible();
});

test('a failure-rate alert opens, shows everywhere with its numbers, links to the texts, and resolves', async ({ page }) => {
	test.setTimeout(90_000);
	const p = phoneColumns(FAILING);
	const [contact] = await sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, 'Magic Failing Number', ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) returning id`;
	await sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, error_code, error_message, failed_at, created_at)
		select ${org}, ${contact!.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Reminder ' || n, 'failed', 'twilio', 21211, 'Invalid ''To'' Phone Number', now() - interval '2 minutes', now() - interval '3 minutes'
		from generate_series(1, 24) n`;
	await sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, sent_at, delivered_at, created_at)
		select ${org}, ${contact!.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Fine ' || n, 'delivered', 'twilio', now() - interval '2 minutes', now() - interval '2 minutes', now() - interval '3 minutes'
		from generate_series(1, 4) n`;
	// The delivered ones had their status callbacks (so "callbacks silent" stays quiet).
	await sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, provider, payload, received_at)
		select id, 'delivered', 'delivered', 'webhook', 'twilio', '{"MessageStatus":"delivered"}', now() - interval '2 minutes'
		from public.sms_messages where organization_id = ${org} and status = 'delivered'`;
	await sql`select public.evaluate_alerts()`;

	// The banner, on any page of the workspace.
	await signIn(page, OWNER, `/w/${slug}/messages`);
	const banner = page.getByTestId('alert-banner');
	// The failure rate, and the code behind it rising far above its (empty) 7-day baseline.
	await expect(banner).toContainText('2 open alerts');
	await expect(banner).toContainText('86% of texts failed in the last 15 minutes');
	await expect(banner).toContainText('Error 21211 rose to 24 texts in 15 minutes');

	// The list.
	await page.goto(`/w/${slug}/alerts`);
	const list = page.getByTestId('alert-list');
	await expect(list.getByRole('listitem')).toHaveCount(2);
	const rate = list.getByRole('listitem').filter({ hasText: '86% of texts failed' });
	await expect(rate).toContainText('critical');
	await expect(rate).toContainText('open');

	// Its page: the numbers, the top code explained, the link to those texts.
	await list.getByRole('link', { name: /86% of texts failed/ }).click();
	const numbers = page.getByTestId('alert-numbers');
	await expect(numbers).toContainText('Texts with a final status');
	await expect(numbers).toContainText('28');
	await expect(numbers).toContainText('Failed or undelivered');
	await expect(numbers).toContainText('24');
	await expect(numbers).toContainText('85.7 %');
	await expect(page.getByTestId('alert-codes')).toContainText('21211');
	await expect(page.getByTestId('alert-codes')).toContainText('24 texts');
	const alertUrl = page.url();
	await page.getByRole('link', { name: 'See these texts in the message list' }).click();
	await expect(page).toHaveURL(new RegExp(`/w/${slug}/messages\\?`));
	const rows = page.getByTestId('message-row');
	await expect(rows.first()).toBeVisible();
	await expect(rows.first().getByTestId('verdict')).toHaveAttribute('data-verdict', 'failed');
	await expect(page.getByTestId('total')).toHaveText('24 texts');

	// The failures stop (their times move out of every window). Clear for a minute: still open
	// (no flapping); clear for 30 minutes: resolved, banner gone.
	await sql`update public.sms_messages set failed_at = failed_at - interval '1 day', delivered_at = delivered_at - interval '1 day'
		where organization_id = ${org}`;
	await sql`select public.evaluate_alerts(now() + interval '1 minute')`;
	await page.goto(alertUrl);
	await expect(page.getByTestId('alert-state')).toContainText('open');
	await sql`select public.evaluate_alerts(now() + interval '32 minutes')`;
	await page.reload();
	await expect(page.getByTestId('alert-state')).toContainText('resolved');
	await expect(page.getByTestId('alert-banner')).toHaveCount(0);
	await page.goto(`/w/${slug}/alerts?status=resolved`);
	await expect(page.getByTestId('alert-list').getByRole('listitem')).toHaveCount(2);
	await expect(page.getByTestId('alert-list')).toContainText('86% of texts failed');
});
