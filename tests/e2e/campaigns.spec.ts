import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, openPhone, type Sql } from './support/db.ts';
import { e2e, uniquePhone } from './support/env.ts';

/**
 * Campaigns (issue 13), the operator's journey in the seeded "Demo" workspace: upload a CSV
 * whose detected phone column is the wrong one (office landlines), switch it to the mobiles,
 * see the duplicate and the invalid rows, preview row 7, see the cost by country, send the
 * first row's text to one's own verified phone, start at a throttle, pause, resume, watch the
 * counts move without a reload, and download the rejected rows.
 */
const SLUG = 'demo';
let sql: Sql;
let quietHours: { quiet_hours_start: string | null; quiet_hours_end: string | null } | undefined;

test.beforeAll(async () => {
	sql = connect();
	// Quiet hours would hold the campaign's texts at some times of day: not what this journey is about.
	[quietHours] = await sql`select quiet_hours_start::text, quiet_hours_end::text from public.organizations where slug = ${SLUG}`;
	await sql`update public.organizations set quiet_hours_start = null, quiet_hours_end = null where slug = ${SLUG}`;
});
test.afterAll(async () => {
	if (quietHours) {
		await sql`update public.organizations set quiet_hours_start = ${quietHours.quiet_hours_start}::time, quiet_hours_end = ${quietHours.quiet_hours_end}::time where slug = ${SLUG}`;
	}
	await sql.end();
});

function national(e164: string): string {
	const d = e164.slice(2);
	return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
}

async function sandboxTextsTo(phone: string): Promise<{ body?: string }[]> {
	const res = await fetch(`${e2e.sandboxUrl}/_sandbox/messages?to=${encodeURIComponent(phone)}`);
	return ((await res.json()) as { messages: { body?: string }[] }).messages;
}

async function count(page: Page, key: string): Promise<number> {
	return Number(await page.getByTestId(`count-${key}`).textContent());
}

test('operator imports a messy list, previews, tests, sends at a throttle, pauses, resumes and downloads the rejected rows', async ({ page }) => {
	test.setTimeout(180_000);
	const [p1, p2, p3, p4] = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
	const csv = [
		'name,phone,text_to,city',
		`Ann,+44 20 7183 8750,${p1},London`,
		`Bob,+44 20 7183 8751,${national(p2)},Paris`,
		`Cy,+44 20 7183 8752,${p3.slice(1)},Rome`,
		'Dee,+44 20 7183 8753,not a number,Oslo',
		`Eve,+44 20 7183 8754,${national(p1)},Bern`,
		`Fay,+44 20 7183 8755,${p4},Lima`,
		'Gus,+44 20 7183 8756,555,Kyiv'
	].join('\n');

	// The owner's own verified phone (the seed verifies one): the test send goes there and nowhere else.
	const [mine] = await sql<{ phone_enc: string }[]>`
		select p.phone_enc from public.user_sms_preferences p join auth.users u on u.id = p.user_id
		where u.email = 'admin@example.com' and p.phone_verified`;
	expect(mine).toBeDefined();
	const me = openPhone(mine!.phone_enc);
	await signIn(page, 'admin@example.com', `/w/${SLUG}/campaigns/new`);
	await page.getByTestId('file-input').setInputFiles({ name: 'reminders.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
	// The header "phone" wins detection; its numbers are landlines, so every row is refused.
	await expect(page.getByTestId('report-rows')).toHaveText('7');
	await expect(page.getByTestId('report-valid')).toHaveText('0');
	await expect(page.getByTestId('invalid-rows')).toContainText('a landline number');

	await page.getByTestId('phone-column').selectOption('text_to');
	await page.getByTestId('body').fill('Hi {{name}}, see you in {{city}}.');
	await page.getByTestId('check-again').click();
	await expect(page.getByTestId('report-valid')).toHaveText('4');
	await expect(page.getByTestId('report-duplicates')).toHaveText('1');
	await expect(page.getByTestId('report-invalid')).toHaveText('2');
	const invalid = page.getByTestId('invalid-rows');
	await expect(invalid).toContainText('not a phone number');
	await expect(invalid.locator('tr', { hasText: '555' })).toContainText('text_to');

	await page.getByTestId('preview-row').fill('7');
	await page.getByTestId('preview-button').click();
	await expect(page.getByTestId('preview-text')).toHaveText('Hi Fay, see you in Lima.');
	await expect(page.getByTestId('preview')).toContainText('GSM-7 · 1 segment');
	await page.getByTestId('preview-row').fill('6');
	await page.getByTestId('preview-button').click();
	await expect(page.getByTestId('preview-text')).toContainText('duplicate of row 2');

	await expect(page.getByTestId('totals')).toContainText('4 texts, 4 segments');
	await expect(page.getByTestId('cost-US')).toContainText('4');

	await page.getByTestId('test-send').click();
	await expect(page.getByTestId('test-sent')).toContainText('row 2');
	await expect.poll(async () => (await sandboxTextsTo(me)).some((t) => t.body === 'Hi Ann, see you in London.'), { timeout: 30_000 }).toBe(true);

	const download = page.waitForEvent('download');
	await page.getByTestId('rejected-download').click();
	const rejected = await readFile((await (await download).path())!, 'utf8');
	expect(rejected).toContain('name,phone,text_to,city,row,reason');
	expect(rejected).toMatch(/Eve,.*,6,duplicate of row 2/);
	expect(rejected).toMatch(/Dee,.*,5,not a phone number/);

	await page.getByTestId('campaign-name').fill(`E2E reminders ${Date.now()}`);
	await page.getByTestId('throttle').fill('0.5');
	await page.getByTestId('create-campaign').click();
	await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
	await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
	await expect(page.getByTestId('total')).toHaveText('4 texts');

	await page.getByTestId('pause').click();
	await expect(page.getByTestId('campaign-status')).toHaveText('paused');
	const settled = await count(page, 'pending');
	expect(settled).toBeGreaterThan(0);
	await page.waitForTimeout(3_000);
	expect(await count(page, 'pending')).toBe(settled);

	await page.getByTestId('resume').click();
	await expect(page.getByTestId('campaign-status')).toHaveText(/sending|completed/);
	// The counts move by themselves (polled each second), to every text delivered.
	await expect(page.getByTestId('count-delivered')).toHaveText('4', { timeout: 60_000 });
	await expect(page.getByTestId('count-pending')).toHaveText('0');
	await expect(page.getByTestId('campaign-status')).toHaveText('completed', { timeout: 30_000 });
	expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
	for (const phone of [p1, p2, p3, p4]) expect((await sandboxTextsTo(phone)).length).toBe(1);

	await page.goto(`/w/${SLUG}/campaigns`);
	await expect(page.getByTestId('campaign-list')).toContainText('E2E reminders');
});

test('a viewer reads campaigns and costs but cannot create, pause or cancel one', async ({ page }) => {
	const [bob] = await sql<{ id: string }[]>`select id from auth.users where email = 'bob@example.com'`;
	const [org] = await sql<{ id: string }[]>`select id from public.organizations where slug = ${SLUG}`;
	const [campaign] = await sql<{ id: string; name: string }[]>`
		select id, name from public.sms_campaigns where organization_id = ${org!.id} order by created_at desc limit 1`;
	expect(campaign).toBeDefined();
	await sql`insert into public.organization_members (organization_id, user_id, role) values (${org!.id}, ${bob!.id}, 'viewer')
		on conflict (organization_id, user_id) do update set role = 'viewer'`;
	try {
		await signIn(page, 'bob@example.com', `/w/${SLUG}/campaigns`);
		await expect(page.getByTestId('campaign-list')).toContainText(campaign!.name);
		await expect(page.getByTestId('new-campaign')).toHaveCount(0);
		await page.goto(`/w/${SLUG}/campaigns/${campaign!.id}`);
		await expect(page.getByTestId('progress')).toBeVisible();
		await expect(page.getByTestId('campaign-controls')).toHaveCount(0);
		const refused = await page.request.post(`/w/${SLUG}/campaigns/${campaign!.id}?/cancel`, {
			form: {},
			headers: { origin: e2e.baseUrl, 'x-sveltekit-action': 'true' }
		});
		expect(refused.status()).toBe(403);
		const before = await sql<{ status: string }[]>`select status from public.sms_campaigns where id = ${campaign!.id}`;
		expect(before[0]!.status).not.toBe('canceled');
		expect((await page.goto(`/w/${SLUG}/campaigns/new`))?.status()).toBe(403);
		await page.goto(`/w/${SLUG}/costs`);
		await expect(page.getByTestId('usage-totals')).toBeVisible();
		const csv = await page.request.get(`/w/${SLUG}/costs/export`);
		expect(csv.status()).toBe(200);
		expect(await csv.text()).toContain('section,key,texts');
	} finally {
		await sql`delete from public.organization_members where organization_id = ${org!.id} and user_id = ${bob!.id}`;
	}
});

test('over the monthly spend cap, the owner confirms before the campaign starts', async ({ page }) => {
	test.setTimeout(120_000);
	const [org] = await sql<{ id: string; monthly_spend_cap: string | null }[]>`
		select id, monthly_spend_cap::text from public.organizations where slug = ${SLUG}`;
	await sql`update public.organizations set monthly_spend_cap = 0.000001 where id = ${org!.id}`;
	try {
		await signIn(page, 'admin@example.com', `/w/${SLUG}/campaigns/new`);
		const csv = `name,phone\nAnn,${uniquePhone()}\nBob,${uniquePhone()}\n`;
		await page.getByTestId('file-input').setInputFiles({ name: 'cap.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
		await expect(page.getByTestId('report-valid')).toHaveText('2');
		await page.getByTestId('body').fill('Hi {{name}}, over the cap.');
		await page.getByTestId('check-again').click();
		await expect(page.getByTestId('stale')).toHaveCount(0);
		await page.getByTestId('campaign-name').fill(`Over the cap ${Date.now()}`);
		await page.getByTestId('create-campaign').click();
		await page.waitForURL(/refused=over_cap/);
		await expect(page.getByTestId('campaign-status')).toHaveText('draft');
		await expect(page.getByTestId('over-cap')).toContainText('more than what is left of this month');
		await page.getByTestId('confirm-over-cap').click();
		await expect(page.getByTestId('campaign-status')).toHaveText(/sending|completed/);
		const id = new URL(page.url()).pathname.split('/').pop()!;
		const [c] = await sql<{ over_cap_confirmed_by: string | null }[]>`select over_cap_confirmed_by from public.sms_campaigns where id = ${id}`;
		expect(c!.over_cap_confirmed_by).not.toBeNull();
	} finally {
		await sql`update public.organizations set monthly_spend_cap = ${org!.monthly_spend_cap}::numeric where id = ${org!.id}`;
	}
});
