import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, phoneColumns, type Sql } from './support/db.ts';

/**
 * The operator console (issue 12), so far: the message list finds a person by the last four
 * digits of their number, a failed text opens on its timeline with raw payloads, and the
 * recipient's history has the definitive verdicts and the summary line. Texts and events are
 * arranged in the database as the worker and the webhook would leave them.
 */
const OWNER = 'admin@example.com';
const SLUG = 'demo';

let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

test('search by last four finds the person; a failed text shows its timeline; the history has the summary line', async ({ page }) => {
	test.setTimeout(120_000);
	const last4 = String(1000 + Math.floor(Math.random() * 9000));
	const phone = `+1415555${last4}`;
	const name = `Console Person ${last4}`;
	const [org] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	const p = phoneColumns(phone);
	const [contact] = await sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org!.id}, ${name}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) on conflict do nothing returning id`;
	test.skip(!contact, 'that number is already a contact of the demo workspace');
	const [ok] = await sql<{ id: string }[]>`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
		values (${org!.id}, ${contact!.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Doors open at 7pm', 'delivered', now() - interval '2 hours') returning id`;
	const [failed] = await sql<{ id: string }[]>`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, error_message, created_at)
		values (${org!.id}, ${contact!.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Your seat is B12', 'undelivered', 30003, 'Unreachable destination handset', now() - interval '1 hour') returning id`;
	await sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, sender_ip, payload, received_at, error_code)
		values (${failed!.id}, 'sent', 'sent', 'webhook', '203.0.113.7', ${sql.json({ MessageStatus: 'sent' })}, now() - interval '59 minutes', null),
			(${failed!.id}, 'undelivered', 'undelivered', 'webhook', '203.0.113.7', ${sql.json({ MessageStatus: 'undelivered', ErrorCode: '30003' })}, now() - interval '58 minutes', 30003)`;

	await signIn(page, OWNER, `/w/${SLUG}/messages`);
	await page.getByLabel('Recipient').fill(last4);
	await page.getByRole('button', { name: 'Apply filters' }).click();
	await expect(page).toHaveURL(new RegExp(`q=${last4}`));
	const rows = page.getByTestId('message-row');
	await expect(rows).toHaveCount(2);
	await expect(rows.first()).toContainText(name);
	await expect(rows.first().getByTestId('verdict')).toHaveAttribute('data-verdict', 'failed');
	await expect(page.getByTestId('total')).toHaveText('2 texts');

	// The failed one: its timeline, oldest first, with the raw payload.
	await rows.first().getByRole('link').first().click();
	await expect(page.getByTestId('body')).toHaveText('Your seat is B12');
	await expect(page.getByTestId('error-explanation')).toContainText('30003');
	const events = page.getByTestId('event');
	await expect(events).toHaveCount(2);
	await expect(events.last()).toContainText('203.0.113.7');
	await events.last().getByText('Raw payload').click();
	await expect(events.last().getByTestId('payload')).toContainText('"ErrorCode": "30003"');

	// The person's history.
	await page.goto(`/w/${SLUG}/messages?q=${last4}`);
	await page.getByRole('link', { name }).first().click();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(`SMS history for ${name} (+1 415 555 ${last4})`);
	await expect(page.getByTestId('summary')).toHaveText('2 messages sent • 1 delivered • 1 failed');
	await expect(page.getByTestId('history-row').first().getByTestId('verdict')).toHaveAttribute('data-verdict', 'failed');
	expect(ok).toBeTruthy();
});
