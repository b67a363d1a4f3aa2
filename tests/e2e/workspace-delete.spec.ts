import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, phoneColumns, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail } from './support/env.ts';

/**
 * Deleting a workspace (issue 10): only an owner sees the control, is shown what goes with it,
 * must type the slug back, and the deletion is audited; an admin's forged request changes nothing.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

test('an owner deletes a workspace after typing its slug; an admin cannot', async ({ browser, page: owner }) => {
	test.setTimeout(120_000);
	const ownerEmail = uniqueEmail('ws-del-owner');
	const adminEmail = uniqueEmail('ws-del-admin');
	const slug = `doomed-${Date.now().toString(36)}`;

	await signIn(owner, ownerEmail, '/w/new');
	await owner.getByLabel('Name').fill('Doomed Events');
	await owner.getByLabel('Address').fill(slug);
	await owner.getByRole('button', { name: 'Create workspace' }).click();
	await owner.waitForURL((u) => u.pathname === `/w/${slug}`);
	const [org] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${slug}`;
	const pat = phoneColumns('+14155550123');
	await sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${org.id}, 'Pat', ${pat.phone_enc}, ${pat.phone_hash}, ${pat.phone_last4}, ${pat.calling_code})`;

	// An admin (arranged in the database) sees no delete control, and forging the POST is refused.
	const admin = await (await browser.newContext()).newPage();
	await signIn(admin, adminEmail, '/w');
	await sql`select public.add_organization_member(${org.id}, ${await userId(sql, adminEmail)}, 'admin')`;
	await admin.goto(`/w/${slug}/settings`);
	await expect(admin.getByRole('heading', { name: 'Workspace settings' })).toBeVisible();
	await expect(admin.getByTestId('delete-workspace')).toHaveCount(0);
	const forged = await admin.request.post(`/w/${slug}/settings?/delete`, {
		form: { confirmSlug: slug },
		headers: { origin: e2e.baseUrl, accept: 'text/html' },
		maxRedirects: 0
	});
	expect(forged.status()).toBe(403);
	expect(await sql`select 1 from public.organizations where slug = ${slug}`).toHaveLength(1);

	// The owner is told what goes with it, and a wrong slug deletes nothing.
	await owner.goto(`/w/${slug}/settings`);
	await expect(owner.getByTestId('delete-footprint')).toContainText('2 members');
	await expect(owner.getByTestId('delete-footprint')).toContainText('1 contact,');
	await owner.getByText('Delete workspace…').click();
	await owner.getByLabel(`Type ${slug} to confirm`).fill('demo');
	await owner.getByRole('button', { name: 'Delete Doomed Events for good' }).click();
	await expect(owner.getByRole('alert')).toContainText("That is not this workspace's address");
	expect(await sql`select 1 from public.organizations where slug = ${slug}`).toHaveLength(1);

	await owner.getByText('Delete workspace…').click();
	await owner.getByLabel(`Type ${slug} to confirm`).fill(slug);
	await owner.getByRole('button', { name: 'Delete Doomed Events for good' }).click();
	await owner.waitForURL((u) => u.pathname === '/w');
	await expect(owner.getByTestId('workspace-deleted')).toHaveText('Doomed Events was deleted.');

	expect(await sql`select 1 from public.organizations where slug = ${slug}`).toHaveLength(0);
	expect(await sql`select 1 from public.contacts where organization_id = ${org.id}`).toHaveLength(0);
	const audit = await sql<{ actor_id: string; slug: string }[]>`
		select actor_id, before ->> 'slug' as slug from public.audit_log where organization_id = ${org.id} and action = 'organization.deleted'`;
	expect(audit).toEqual([{ actor_id: await userId(sql, ownerEmail), slug }]);
	// Gone for everyone: the admin's next request is the same 404 as any unknown workspace.
	const after = await admin.goto(`/w/${slug}/settings`);
	expect(after?.status()).toBe(404);
});
