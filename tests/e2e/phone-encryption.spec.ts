import { expect, test } from '@playwright/test';
import { scanForClearPhones } from '@sms/db/testing/phone-scan';
import { CLEAR_BY_DESIGN, NOT_YET_ENCRYPTED } from '../../supabase/tests/phone-clear-columns.ts';
import { signIn } from './support/auth.ts';
import { connect, userId } from './support/db.ts';
import { uniqueEmail, uniquePhone } from './support/env.ts';
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

		const hits = await scanForClearPhones(sql, { ignore: CLEAR_BY_DESIGN });
		// Every column outside the known list at once, so one run names them all.
		expect(hits.filter((h) => !NOT_YET_ENCRYPTED.includes(h.column)).map((h) => `${h.column} (${h.rows} rows)`)).toEqual([]);
		expect(hits.map((h) => h.column)).not.toContain('public.phone_verifications.phone_enc');
		expect(hits.map((h) => h.column)).not.toContain('public.sms_delivery_events.payload');
	} finally {
		await sql.end();
	}
});
