import { expect, test } from '@playwright/test';
import { scanForClearPhones } from '@sms/db/testing/phone-scan';
import { NOT_YET_ENCRYPTED, SCAN_OPTIONS } from '../../supabase/tests/phone-clear-columns.ts';
import { signIn } from './support/auth.ts';
import { connect, openPhone, phoneHash, userId } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';
import { replyFromPhone, verifyPhone } from './support/journey.ts';

// A realistic run through the whole stack (web app, real worker, sandbox, signed callbacks):
// verification, a text queued, sent and delivered, STOP from the phone — then every text and
// json column of the database is scanned for numbers in clear.
test('after verification, a delivered text and a STOP, the encrypted columns hold no number in clear', async ({ page }) => {
	const phone = uniquePhone();
	const email = uniqueEmail('phonescan');
	await signIn(page, email, '/settings/sms');
	await verifyPhone(page, phone);
	await page.getByRole('button', { name: 'Send me a test text' }).click();
	await expect(page.getByText('Test text queued.')).toBeVisible();
	await page.goto('/history');
	await expect(page.getByTestId('history-row').first().getByTestId('verdict')).toHaveText(/Delivered/, { timeout: 20_000 });
	const reply = await replyFromPhone(phone, 'STOP');
	expect(reply.status).toBe(200);

	const sql = connect();
	try {
		const user = await userId(sql, email);
		// The attempts and the provider's reports were written, and sealed.
		const attempts = await sql<{ phone_enc: string; phone_last4: string }[]>`
			select phone_enc, phone_last4 from public.phone_verifications where user_id = ${user}`;
		expect(attempts.length).toBeGreaterThanOrEqual(2);
		expect(attempts.every((a) => a.phone_enc.startsWith('p1.') && a.phone_last4 === phone.slice(-4))).toBe(true);
		const reports = await sql<{ payload: Record<string, string> }[]>`
			select e.payload from public.sms_delivery_events e join public.sms_messages m on m.id = e.message_id
			 where m.user_id = ${user} and e.payload ? 'To'`;
		expect(reports.length).toBeGreaterThan(0);
		expect(reports.every((r) => r.payload.To!.startsWith('p1.'))).toBe(true);

		const hits = await scanForClearPhones(sql, SCAN_OPTIONS);
		// Every column outside the known list at once, so one run names them all.
		expect(hits.filter((h) => !NOT_YET_ENCRYPTED.includes(h.column)).map((h) => `${h.column} (${h.rows} rows)`)).toEqual([]);
		expect(hits.map((h) => h.column)).not.toContain('public.phone_verifications.phone_enc');
		expect(hits.map((h) => h.column)).not.toContain('public.sms_delivery_events.payload');
	} finally {
		await sql.end();
	}
});

// The rest of the send path, through the same stack: a contact typed into the console (its audit
// row shown with the number opened), a text sent through /api/v1 with an API key (its recipient
// becomes a contact, its answer is kept for Idempotency-Key replays), a campaign uploaded with a
// rejected landline and a duplicate, started and delivered, and a STOP from one of its
// recipients — then the same scan, with nothing allowed, and the five tables hold the numbers sealed.
test('after contacts, the API, a campaign and a STOP, the send path tables hold no number in clear', async ({ page }) => {
	test.setTimeout(180_000);
	const SLUG = 'demo';
	const typed = uniquePhone();
	const viaApi = uniquePhone();
	const [r1, r2] = [uniquePhone(), uniquePhone()];
	const sql = connect();
	// Quiet hours would hold the campaign's texts at some times of day (as in campaigns.spec.ts).
	const [quiet] = await sql<{ s: string | null; e: string | null }[]>`
		select quiet_hours_start::text as s, quiet_hours_end::text as e from public.organizations where slug = ${SLUG}`;
	await sql`update public.organizations set quiet_hours_start = null, quiet_hours_end = null where slug = ${SLUG}`;
	try {
		await signIn(page, 'admin@example.com', `/w/${SLUG}/contacts/new`);
		await page.getByLabel('Name').fill(`Scan Person ${typed.slice(-4)}`);
		await page.getByLabel('Phone number').fill(typed);
		await page.getByRole('button', { name: 'Add contact' }).click();
		await expect(page.getByText('Contact added.')).toBeVisible();
		// The audit page shows the contact's number opened for an admin, never its ciphertext.
		await page.goto(`/w/${SLUG}/audit?action=contact.created`);
		await expect(page.getByText(`phone: ${typed}`).first()).toBeVisible();
		await expect(page.locator('main')).not.toContainText('p1.');
		await expect(page.locator('main')).not.toContainText('phone_hash');

		await page.goto(`/w/${SLUG}/settings/api-keys`);
		await page.getByLabel('Name').fill(`scan key ${Date.now()}`);
		await page.getByRole('button', { name: 'Create key' }).click();
		const secret = (await page.getByTestId('new-key-secret').textContent())!.trim();
		const sent = await fetch(`${e2e.baseUrl}/api/v1/messages`, {
			method: 'POST',
			headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'idempotency-key': `scan-${Date.now()}` },
			body: JSON.stringify({ to: { phone: viaApi }, type: 'custom', body: 'Scan via the API' })
		});
		expect(sent.status).toBe(202);
		const accepted = (await sent.json()) as { id: string; to?: { phone?: string } };
		// The answer shows the number opened for the caller; the stored text has it sealed.
		expect(JSON.stringify(accepted)).toContain(viaApi);

		await page.goto(`/w/${SLUG}/campaigns/new`);
		// A landline (a real number, refused) and a duplicate: the report keeps their cells, sealed.
		const csv = `name,phone\nAnn,${r1}\nBob,${r2}\nLee,+442071838750\nAnn again,${r1}\n`;
		await page.getByTestId('file-input').setInputFiles({ name: 'scan.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
		await expect(page.getByTestId('report-valid')).toHaveText('2');
		await page.getByTestId('body').fill('Hi {{name}}, from the scan.');
		await page.getByTestId('check-again').click();
		await expect(page.getByTestId('stale')).toHaveCount(0);
		await page.getByTestId('campaign-name').fill(`Scan campaign ${Date.now()}`);
		await page.getByTestId('create-campaign').click();
		await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}/);
		await expect(page.getByTestId('count-delivered')).toHaveText('2', { timeout: 60_000 });
		await expect.poll(async () => (await sql<{ status: string }[]>`select status from public.sms_messages where id = ${accepted.id}`)[0]?.status, { timeout: 30_000 }).toBe('delivered');
		expect((await replyFromPhone(r1, 'STOP')).status).toBe(200);

		// Each table holds the numbers sealed: found by blind index, opening to what was written.
		const byHash = async (table: string, e164: string) =>
			(await sql.unsafe<{ phone_enc: string }[]>(`select phone_enc from public.${table} where phone_hash = $1`, [phoneHash(e164)])).map((r) => openPhone(r.phone_enc));
		expect(await byHash('contacts', typed)).toEqual([typed]);
		expect(await byHash('contacts', viaApi)).toEqual([viaApi]);
		expect(await byHash('sms_messages', viaApi)).toEqual([viaApi]);
		expect(await byHash('sms_campaign_recipients', r2)).toContain(r2);
		expect(await byHash('sms_messages', r2)).toContain(r2);
		expect(await byHash('sms_phone_opt_outs', r1)).toEqual([r1]);

		const hits = await scanForClearPhones(sql, SCAN_OPTIONS);
		expect(hits.filter((h) => !NOT_YET_ENCRYPTED.includes(h.column)).map((h) => `${h.column} (${h.rows} rows)`)).toEqual([]);
		for (const table of ['sms_messages', 'contacts', 'user_sms_preferences', 'sms_campaign_recipients', 'sms_phone_opt_outs']) {
			expect(hits.map((h) => h.column).filter((c) => c.startsWith(`public.${table}.phone`))).toEqual([]);
		}
	} finally {
		await sql`update public.organizations set quiet_hours_start = ${quiet!.s}::time, quiet_hours_end = ${quiet!.e}::time where slug = ${SLUG}`;
		await sql.end();
	}
});
