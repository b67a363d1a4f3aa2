import { expect, test, type Browser, type Page } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, openPhone, phoneHash, type Sql } from './support/db.ts';
import { e2e, uniqueEmail } from './support/env.ts';

/**
 * Workspaces and roles (issue 10): the owner of the seeded "Demo" workspace invites a viewer and
 * an operator; each accepts their link; the viewer reads but has no write controls, and a
 * forged POST to every write action is refused on the server; the operator adds a contact with
 * a phone typed as people type it and finds it again by its last four digits.
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

async function invite(owner: Page, email: string, role: 'Viewer' | 'Operator'): Promise<string> {
	await owner.goto(`/w/${SLUG}/members`);
	await owner.getByLabel('E-mail').fill(email);
	await owner.getByLabel('Role', { exact: true }).selectOption({ label: role });
	await owner.getByRole('button', { name: 'Send invitation' }).click();
	const link = owner.getByTestId('invite-url');
	await expect(link).toBeVisible();
	const url = new URL((await link.textContent())!.trim());
	expect(url.pathname).toMatch(/^\/invite\/[0-9a-f]{64}$/);
	// Listed as pending, with its expiry, until accepted.
	await expect(owner.getByTestId('invitation-list')).toContainText(email);
	return url.pathname;
}

/** A fresh browser session for `email` that opens the invitation and accepts it. */
async function accept(browser: Browser, email: string, invitePath: string): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await signIn(page, email, invitePath);
	await expect(page.getByRole('heading', { name: 'Join Demo' })).toBeVisible();
	await page.getByRole('button', { name: 'Accept and join' }).click();
	await page.waitForURL((u) => u.pathname === `/w/${SLUG}`);
	return page;
}

async function contactCount(): Promise<number> {
	const [row] = await sql<{ n: number }[]>`
		select count(*)::int as n from public.contacts c join public.organizations o on o.id = c.organization_id where o.slug = ${SLUG}`;
	return row.n;
}

test('owner invites a viewer and an operator; the viewer cannot write; the operator adds and finds a contact', async ({ browser, page: owner }) => {
	// Four people's sessions in one journey, on a shared, busy machine.
	test.setTimeout(180_000);
	const viewerEmail = uniqueEmail('ws-viewer');
	const operatorEmail = uniqueEmail('ws-operator');

	await signIn(owner, OWNER, `/w/${SLUG}/members`);
	await expect(owner.getByTestId('workspace-role')).toHaveText('Owner');
	const viewerInvite = await invite(owner, viewerEmail, 'Viewer');
	const operatorInvite = await invite(owner, operatorEmail, 'Operator');

	// Someone else signed in cannot use the viewer's link, and learns nothing about the workspace.
	const stranger = await (await browser.newContext()).newPage();
	await signIn(stranger, uniqueEmail('ws-stranger'), viewerInvite);
	await expect(stranger.getByText(`This invitation is for ${viewerEmail}`)).toBeVisible();
	await expect(stranger.getByRole('button', { name: 'Accept and join' })).toHaveCount(0);
	expect((await stranger.request.get(`/w/${SLUG}`)).status()).toBe(404);

	// --- The viewer: sees the workspace, no write controls anywhere.
	const viewer = await accept(browser, viewerEmail, viewerInvite);
	await expect(viewer.getByTestId('workspace-role')).toHaveText('Viewer');
	await expect(viewer.getByTestId('workspace-switcher')).toContainText('Demo');
	// The link is used up.
	await viewer.goto(viewerInvite);
	await expect(viewer.getByText('This invitation was already accepted.')).toBeVisible();

	await viewer.goto(`/w/${SLUG}/contacts`);
	await expect(viewer.getByTestId('contact-row').first()).toBeVisible();
	// Numbers in full are for operators and up: a viewer sees the last four digits.
	await expect(viewer.getByTestId('contact-row').first()).toContainText('•••• ');
	await expect(viewer.getByRole('link', { name: 'Add contact' })).toHaveCount(0);
	await expect(viewer.getByRole('link', { name: /^Edit/ })).toHaveCount(0);
	await expect(viewer.getByText('Delete', { exact: true })).toHaveCount(0);
	await viewer.getByTestId('contact-row').first().getByRole('link', { name: /Details/ }).click();
	await expect(viewer.getByRole('heading', { name: 'Details' })).toBeVisible();
	await expect(viewer.getByRole('button', { name: 'Save contact' })).toHaveCount(0);
	await expect(viewer.getByText('Delete contact')).toHaveCount(0);
	const contactId = viewer.url().split('/').pop()!;

	await viewer.goto(`/w/${SLUG}/members`);
	await expect(viewer.getByTestId('member-list')).toContainText(OWNER);
	await expect(viewer.getByRole('button', { name: 'Send invitation' })).toHaveCount(0);
	await expect(viewer.getByRole('button', { name: 'Change role' })).toHaveCount(0);
	await expect(viewer.getByText('Remove', { exact: true })).toHaveCount(0);
	await expect(viewer.getByRole('button', { name: 'Transfer ownership' })).toHaveCount(0);
	await expect(viewer.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Settings' })).toHaveCount(0);
	await expect(viewer.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);
	expect((await viewer.request.get(`/w/${SLUG}/settings`)).status()).toBe(403);
	expect((await viewer.request.get(`/w/${SLUG}/audit/export`)).status()).toBe(403);

	// Forged same-origin POSTs, as a page without the buttons could still send them.
	const before = await contactCount();
	const forge = (path: string, form: Record<string, string>) =>
		viewer.request.post(path, { form, headers: { origin: e2e.baseUrl, accept: 'text/html' }, maxRedirects: 0 });
	const forged = {
		addContact: await forge(`/w/${SLUG}/contacts/new`, { name: 'Forged', phone: '4155550999', country: 'US', timeZone: '', externalId: '', tags: '', attributes: '', consentSource: '', consentedAt: '' }),
		editContact: await forge(`/w/${SLUG}/contacts/${contactId}?/save`, { name: 'Forged', phone: '4155550998', country: 'US', timeZone: '', externalId: '', tags: '', attributes: '', consentSource: '', consentedAt: '' }),
		deleteContact: await forge(`/w/${SLUG}/contacts?/delete`, { id: contactId }),
		invite: await forge(`/w/${SLUG}/members?/invite`, { email: 'forged@example.com', role: 'owner' }),
		settings: await forge(`/w/${SLUG}/settings?/save`, { name: 'Forged' })
	};
	expect(Object.fromEntries(Object.entries(forged).map(([k, r]) => [k, r.status()]))).toEqual({
		addContact: 403,
		editContact: 403,
		deleteContact: 403,
		invite: 403,
		settings: 403
	});
	expect(await contactCount()).toBe(before);
	const [{ n: forgedInvites }] = await sql<{ n: number }[]>`select count(*)::int as n from public.organization_invitations where email = 'forged@example.com'`;
	expect(forgedInvites).toBe(0);
	const [{ name }] = await sql<{ name: string }[]>`select name from public.contacts where id = ${contactId}`;
	expect(name).not.toBe('Forged');

	// --- The operator: adds a contact typed the way people type numbers, finds it by its last 4.
	const operator = await accept(browser, operatorEmail, operatorInvite);
	await expect(operator.getByTestId('workspace-role')).toHaveText('Operator');
	await operator.goto(`/w/${SLUG}/contacts`);
	await operator.getByRole('link', { name: 'Add contact' }).click();
	const contactName = `Ada Operator ${Date.now()}`;
	await operator.getByLabel('Name').fill(contactName);
	await operator.getByLabel('Phone number').fill('(415) 555-0123');
	await expect(operator.getByText('Saved as +14155550123')).toBeVisible();
	await operator.getByLabel('Tags (optional)').fill('e2e, vip');
	await operator.getByRole('button', { name: 'Add contact' }).click();
	await expect(operator.getByText('Contact added.')).toBeVisible();
	await expect(operator.locator('main').getByText('+14155550123', { exact: true })).toBeVisible();

	await operator.goto(`/w/${SLUG}/contacts`);
	await operator.getByRole('searchbox', { name: 'Search contacts' }).fill('0123');
	await operator.getByRole('button', { name: 'Search' }).click();
	await operator.waitForURL((u) => u.searchParams.get('q') === '0123');
	const rows = operator.getByTestId('contact-row');
	await expect(rows).toHaveCount(1);
	await expect(rows.first()).toContainText(contactName);
	await expect(rows.first()).toContainText('+14155550123');

	// Stored sealed (opens to the E.164 form, under its blind index) in the Demo workspace, and the addition is in the audit log with its author.
	const [row] = await sql<{ phone_enc: string; phone_hash: string; tags: string[]; actor: string | null }[]>`
		select c.phone_enc, c.phone_hash, c.tags,
			(select u.email from public.audit_log a join auth.users u on u.id = a.actor_id
			 where a.target_type = 'contact' and a.target_id = c.id::text and a.action = 'contact.created') as actor
		from public.contacts c where c.name = ${contactName}`;
	const stored = { phone_number: openPhone(row!.phone_enc), hashed: row!.phone_hash === phoneHash('+14155550123'), tags: row!.tags, actor: row!.actor };
	expect(stored).toEqual({ phone_number: '+14155550123', hashed: true, tags: ['e2e', 'vip'], actor: operatorEmail });

	// The last owner cannot leave: no button, and a forged request is refused with the reason.
	await owner.goto(`/w/${SLUG}/members`);
	await expect(owner.getByTestId('last-owner-note')).toContainText('only owner');
	const leave = await owner.request.post(`/w/${SLUG}/members?/leave`, { form: {}, headers: { origin: e2e.baseUrl, accept: 'application/json', 'x-sveltekit-action': 'true' } });
	expect(JSON.stringify(await leave.json())).toContain('Transfer ownership');
	const [{ role: ownerRole }] = await sql<{ role: string }[]>`
		select m.role::text as role from public.organization_members m join public.organizations o on o.id = m.organization_id
		join auth.users u on u.id = m.user_id where o.slug = ${SLUG} and u.email = ${OWNER}`;
	expect(ownerRole).toBe('owner');

	// The owner sees both new members with their roles.
	await owner.goto(`/w/${SLUG}/members`);
	await expect(owner.getByTestId('member-row').filter({ hasText: viewerEmail })).toContainText('Viewer');
	await expect(owner.getByTestId('member-row').filter({ hasText: operatorEmail })).toContainText('Operator');
});
