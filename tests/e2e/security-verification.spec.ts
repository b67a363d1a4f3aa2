import { expect, test } from '@playwright/test';
import { sessionCookie } from './support/auth.ts';
import { connect, phoneHash, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';

/**
 * Security review of phone verification over the JSON API, against the production build:
 * guessing codes in parallel, flooding one number with codes from many accounts, and two
 * accounts racing to verify the same number. Every request here comes from 127.0.0.1, so this
 * file keeps its code requests few: the per-IP limit is shared with the other specs.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

async function account(label: string): Promise<{ id: string; cookie: string }> {
	const email = uniqueEmail(label);
	const cookie = await sessionCookie(email);
	return { id: await userId(sql, email), cookie };
}

function api(cookie: string, path: '/api/sms/verify' | '/api/sms/verify/confirm', body: Record<string, string>): Promise<Response> {
	return fetch(`${e2e.baseUrl}${path}`, {
		method: 'POST',
		headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
}

async function sandboxVerification(phone: string): Promise<{ code: string; wrong_checks: number; sends: number }> {
	const res = await fetch(`${e2e.sandboxUrl}/_sandbox/verifications?to=${encodeURIComponent(phone)}`);
	expect(res.status).toBe(200);
	return (await res.json()) as { code: string; wrong_checks: number; sends: number };
}

async function verifiedOwners(phone: string): Promise<string[]> {
	const rows = await sql<{ user_id: string }[]>`
		select user_id from public.user_sms_preferences where phone_hash = ${phoneHash(phone)} and phone_verified`;
	return rows.map((r) => r.user_id);
}

test('guessing codes in parallel: at most 5 guesses reach Twilio per code, then even the right code is refused', async () => {
	const me = await account('verify-guess');
	const phone = uniquePhone();
	expect((await api(me.cookie, '/api/sms/verify', { phoneNumber: phone })).status).toBe(200);
	const { code } = await sandboxVerification(phone);
	const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(code.length, '0'));

	const answers = await Promise.all(guesses.map((guess) => api(me.cookie, '/api/sms/verify/confirm', { phoneNumber: phone, code: guess })));
	const statuses = answers.map((r) => r.status);
	expect(statuses.filter((s) => s === 200)).toEqual([]);
	expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(guesses.length - 5);
	expect((await sandboxVerification(phone)).wrong_checks).toBeLessThanOrEqual(5);

	const right = await api(me.cookie, '/api/sms/verify/confirm', { phoneNumber: phone, code });
	expect(right.status).toBe(429);
	expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
	expect(await verifiedOwners(phone)).toEqual([]);
});

test("many accounts asking for codes to one number at once send at most 5; two of them racing with the right code: one owner", async () => {
	const phone = uniquePhone();
	const accounts = await Promise.all(Array.from({ length: 6 }, (_, i) => account(`verify-flood-${i}`)));
	const starts = await Promise.all(accounts.map((a) => api(a.cookie, '/api/sms/verify', { phoneNumber: phone })));
	const statuses = starts.map((r) => r.status).sort();
	expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
	const texts = await fetch(`${e2e.sandboxUrl}/_sandbox/messages?to=${encodeURIComponent(phone)}`);
	expect(((await texts.json()) as { messages: unknown[] }).messages.length).toBeLessThanOrEqual(5);

	// Whoever holds the phone reads the code; two accounts that both asked race to use it.
	const { code } = await sandboxVerification(phone);
	const started = accounts.filter((_, i) => starts[i].status === 200);
	const [first, second] = started;
	const confirms = await Promise.all(
		[first, second].map((a) => api(a.cookie, '/api/sms/verify/confirm', { phoneNumber: phone, code }))
	);
	const outcomes = await Promise.all(confirms.map(async (r) => ({ status: r.status, verified: (await r.json()).verified as boolean })));
	expect(outcomes.filter((o) => o.verified).length).toBeLessThanOrEqual(1);
	const owners = await verifiedOwners(phone);
	expect(owners.length).toBeLessThanOrEqual(1);
	if (owners.length === 1) expect([first.id, second.id]).toContain(owners[0]);
	expect(outcomes.filter((o) => o.verified).length).toBe(owners.length);
});
