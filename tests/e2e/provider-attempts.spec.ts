import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, phoneColumns, type Sql } from './support/db.ts';

/**
 * Failover as an operator sees it (issue 14): a text that sms-retail refused (down) and
 * 23telecom accepted shows both attempts on its timeline — provider, outcome, the error —
 * beside 23telecom's delivery report. Arranged in the database as the worker and the webhook
 * leave it (apps/worker/src/failover.int.test.ts proves the worker does).
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

test('the message page shows each provider attempt and where the text went', async ({ page }) => {
	const ref = crypto.randomUUID();
	const [org] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	const phone = `+1415556${String(1000 + Math.floor(Math.random() * 9000))}`;
	const p = phoneColumns(phone);
	const [contact] = await sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org!.id}, 'Failover Person', ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}) on conflict do nothing returning id`;
	test.skip(!contact, 'that number is already a contact of the demo workspace');
	const [m] = await sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, provider_reference, created_at)
		values (${org!.id}, ${contact!.id}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Failover, seen from the console', 'delivered', '23telecom', ${ref}, now() - interval '5 minutes')
		returning id`;
	await sql`insert into public.sms_send_attempts (message_id, organization_id, provider, outcome, reference, error_kind, error_code, error_message, started_at, finished_at)
		values (${m!.id}, ${org!.id}, 'sms-retail', 'refused', null, 'provider_unavailable', 'service_unavailable', 'Service temporarily unavailable.',
		        now() - interval '5 minutes', now() - interval '5 minutes'),
		       (${m!.id}, ${org!.id}, '23telecom', 'accepted', ${ref}, null, null, null, now() - interval '299 seconds', now() - interval '299 seconds')`;
	await sql`insert into public.sms_delivery_events (message_id, provider, provider_reference, raw_status, status, source, payload, received_at)
		values (${m!.id}, '23telecom', ${ref}, 'DELIVRD', 'delivered', 'webhook', ${sql.json({ messageId: ref, status: 'DELIVRD' })}, now() - interval '4 minutes')`;

	await signIn(page, OWNER, `/w/${SLUG}/messages/${m!.id}`);
	const attempts = page.getByTestId('attempt');
	await expect(attempts).toHaveCount(2);
	await expect(attempts.first()).toHaveAttribute('data-provider', 'sms-retail');
	await expect(attempts.first()).toContainText('refused — not sent there');
	await expect(attempts.first()).toContainText('Service temporarily unavailable.');
	await expect(attempts.last()).toHaveAttribute('data-provider', '23telecom');
	await expect(attempts.last()).toContainText('accepted');
	await expect(attempts.last()).toContainText(ref);
	// The report comes after both attempts, from 23telecom.
	const items = page.getByTestId('timeline').locator('li');
	await expect(items).toHaveCount(3);
	await expect(items.last()).toHaveAttribute('data-testid', 'event');
	await expect(items.last()).toContainText('DELIVRD');
	await expect(items.last()).toContainText('23telecom');
});
