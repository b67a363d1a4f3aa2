import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, openPhone, phoneHash, type Sql } from './support/db.ts';
import { e2e, uniquePhone } from './support/env.ts';

/**
 * API keys (issue 15): the owner creates a key on the settings page, sees the secret once,
 * application code sends a text with it (a plain fetch, as curl would), the page shows it was
 * used, the owner revokes it after a confirmation, and the same request is then refused with 401.
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

function send(secret: string, phone: string, idempotencyKey: string) {
	return fetch(`${e2e.baseUrl}/api/v1/messages`, {
		method: 'POST',
		headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
		body: JSON.stringify({ to: { phone }, type: 'urgent_alert', body: 'Server down (e2e)', priority: 'urgent' })
	});
}

test('owner creates a key, code sends a text with it, the owner revokes it and the key is refused', async ({ page }) => {
	test.setTimeout(120_000);
	const name = `e2e key ${Date.now()}`;
	await signIn(page, OWNER, `/w/${SLUG}/settings/api-keys`);
	await page.getByLabel('Name').fill(name);
	await page.getByRole('button', { name: 'Create key' }).click();
	const secretText = page.getByTestId('new-key-secret');
	await expect(secretText).toBeVisible();
	const secret = (await secretText.textContent())!.trim();
	expect(secret).toMatch(/^sk_live_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
	const prefix = secret.slice(0, 16);
	const row = page.getByTestId('key-row').filter({ hasText: name });
	await expect(row).toContainText(`${prefix}…`);
	await expect(row.getByTestId('key-last-used')).toHaveText('never');

	// Only the hash is stored.
	const [stored] = await sql<{ secret_hash: string; n: number }[]>`
		select secret_hash, (select count(*)::int from public.api_keys where secret_hash = ${secret}) as n
		from public.api_keys where prefix = ${prefix}`;
	expect(stored.n).toBe(0);
	expect(stored.secret_hash).toMatch(/^[0-9a-f]{64}$/);

	const phone = uniquePhone();
	const accepted = await send(secret, phone, `e2e-${prefix}-1`);
	expect(accepted.status).toBe(202);
	const text = (await accepted.json()) as { id: string };
	const [queued] = await sql<{ phone_enc: string; slug: string }[]>`
		select m.phone_enc, o.slug from public.sms_messages m join public.organizations o on o.id = m.organization_id where m.id = ${text.id}`;
	expect({ to_number: openPhone(queued!.phone_enc), slug: queued!.slug }).toEqual({ to_number: phone, slug: SLUG });

	await page.reload();
	await expect(row.getByTestId('key-last-used')).not.toHaveText('never');
	// The secret is not shown again.
	await expect(page.getByTestId('new-key-secret')).toHaveCount(0);

	await row.getByText('Revoke', { exact: true }).click();
	await row.getByRole('button', { name: 'Yes, revoke' }).click();
	await expect(page.getByText(`Key "${name}" (${prefix}…) is revoked`)).toBeVisible();
	await expect(row).toContainText('Revoked');

	const refused = await send(secret, uniquePhone(), `e2e-${prefix}-2`);
	expect(refused.status).toBe(401);
	expect(refused.headers.get('content-type')).toContain('application/problem+json');
	const [after] = await sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where phone_hash = ${phoneHash(phone)}`;
	expect(after.n).toBe(1);
});

test('operators and viewers get no API key or webhook pages', async ({ page }) => {
	const [org] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	const email = `e2e-operator-${Date.now()}@example.com`;
	await signIn(page, email, '/');
	await sql`insert into public.organization_members (organization_id, user_id, role)
		select ${org.id}, id, 'operator' from auth.users where email = ${email}`;
	for (const path of ['settings/api-keys', 'settings/webhooks']) {
		const res = await page.goto(`/w/${SLUG}/${path}`);
		expect(res?.status()).toBe(403);
	}
	const forged = await page.request.post(`/w/${SLUG}/settings/api-keys?/create`, {
		form: { name: 'forged', scopes: 'messages:write', rate: '50' },
		headers: { origin: e2e.baseUrl }
	});
	expect([403]).toContain(forged.status());
	const [n] = await sql<{ n: number }[]>`select count(*)::int as n from public.api_keys where name = 'forged'`;
	expect(n.n).toBe(0);
});
