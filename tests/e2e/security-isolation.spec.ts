import { expect, test } from '@playwright/test';
import { sessionCookie } from './support/auth.ts';
import { connect, insertMessage, openPhone, phoneHash, setVerifiedPhone, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';
import { newSid, postSigned, STATUS_PATH, statusParams } from './support/twilio.ts';

/**
 * Security review: one signed-in user against another, over HTTP against the production build —
 * message timelines, the live event stream, and every page action that touches a phone number,
 * a limit or a text.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

interface Account {
	id: string;
	email: string;
	cookie: string;
}

async function account(label: string): Promise<Account> {
	const email = uniqueEmail(label);
	const cookie = await sessionCookie(email);
	return { id: await userId(sql, email), email, cookie };
}

/** A same-origin form POST to a page action, as the browser sends it without JavaScript. */
function action(who: Account, name: string, fields: Record<string, string>): Promise<Response> {
	return fetch(`${e2e.baseUrl}/settings/sms?/${name}`, {
		method: 'POST',
		headers: { cookie: who.cookie, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body: new URLSearchParams(fields),
		redirect: 'manual'
	});
}

async function prefs(id: string) {
	// The blind index: the same number gives the same value (the ciphertext differs on every seal).
	const [row] = await sql<{ phone_hash: string | null; phone_verified: boolean; daily_limit: number; opted_out: boolean }[]>`
		select phone_hash, phone_verified, daily_limit, opted_out from public.user_sms_preferences where user_id = ${id}`;
	return row ?? null;
}

async function sandboxMessagesTo(phone: string): Promise<number> {
	const res = await fetch(`${e2e.sandboxUrl}/_sandbox/messages?to=${encodeURIComponent(phone)}`);
	return ((await res.json()) as { messages: unknown[] }).messages.length;
}

/** Reads a text/event-stream until `until` holds or the time is up; returns all text read. */
async function readEvents(res: Response, options: { until: (text: string) => boolean; ms: number }): Promise<string> {
	const reader = res.body!.getReader();
	const decoder = new TextDecoder();
	let text = '';
	const deadline = Date.now() + options.ms;
	while (!options.until(text) && Date.now() < deadline) {
		const next = await Promise.race([
			reader.read(),
			new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(1, deadline - Date.now())))
		]);
		if (!next || next.done) break;
		text += decoder.decode(next.value, { stream: true });
	}
	reader.releaseLock();
	return text;
}

test.describe("another user's texts", () => {
	test('are not readable by id, not listed, not on the history page; a malformed id is a 404, not a 500', async () => {
		const alice = await account('iso-alice');
		const bob = await account('iso-bob');
		const secret = `Alice's private text ${Math.random().toString(36).slice(2)}`;
		const id = await insertMessage(sql, { userId: alice.id, sid: newSid(), body: secret });

		const own = await fetch(`${e2e.baseUrl}/api/sms/messages/${id}`, { headers: { cookie: alice.cookie } });
		expect(own.status).toBe(200);
		expect(JSON.stringify(await own.json())).toContain(secret);

		const theirs = await fetch(`${e2e.baseUrl}/api/sms/messages/${id}`, { headers: { cookie: bob.cookie } });
		expect(theirs.status).toBe(404);
		expect(await theirs.text()).not.toContain(secret);
		expect((await fetch(`${e2e.baseUrl}/api/sms/messages/${id}`)).status).toBe(401);
		for (const bad of ['not-a-uuid', `${id}'--`, '%00', encodeURIComponent(`${id} or 1=1`)]) {
			const res = await fetch(`${e2e.baseUrl}/api/sms/messages/${bad}`, { headers: { cookie: bob.cookie } });
			expect({ bad, status: res.status }).toEqual({ bad, status: 404 });
		}

		const list = await fetch(`${e2e.baseUrl}/api/sms/messages`, { headers: { cookie: bob.cookie } });
		expect(list.status).toBe(200);
		expect(await list.text()).not.toContain(secret);
		const page = await fetch(`${e2e.baseUrl}/history`, { headers: { cookie: bob.cookie } });
		expect(page.status).toBe(200);
		expect(await page.text()).not.toContain(secret);
	});

	test('one account cannot hold an unbounded number of live streams open', async () => {
		const carol = await account('iso-sse-cap');
		const dave = await account('iso-sse-other');
		const controller = new AbortController();
		try {
			const open = async (who: Account) =>
				(await fetch(`${e2e.baseUrl}/api/sms/events`, { headers: { cookie: who.cookie }, signal: controller.signal })).status;
			const statuses: number[] = [];
			for (let i = 0; i < 20; i++) statuses.push(await open(carol));
			expect(statuses.every((s) => s === 200)).toBe(true);
			expect(await open(carol)).toBe(429);
			// The cap is per account: others are unaffected.
			expect(await open(dave)).toBe(200);
		} finally {
			controller.abort();
		}
	});

	test("the live event stream carries my status changes only, never another user's", async ({ request }) => {
		const alice = await account('iso-sse-alice');
		const bob = await account('iso-sse-bob');
		expect((await fetch(`${e2e.baseUrl}/api/sms/events`)).status).toBe(401);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: alice.id, sid });

		const controller = new AbortController();
		try {
			const [aliceStream, bobStream] = await Promise.all(
				[alice, bob].map((who) => fetch(`${e2e.baseUrl}/api/sms/events`, { headers: { cookie: who.cookie }, signal: controller.signal }))
			);
			expect(aliceStream.status).toBe(200);
			expect(bobStream.status).toBe(200);
			const ready = (text: string) => text.includes('event: ready');
			expect(await readEvents(aliceStream, { until: ready, ms: 5000 })).toContain('event: ready');
			expect(await readEvents(bobStream, { until: ready, ms: 5000 })).toContain('event: ready');

			const callback = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'delivered') });
			expect(callback.status()).toBe(200);

			const aliceSaw = await readEvents(aliceStream, { until: (text) => text.includes(id), ms: 5000 });
			expect(aliceSaw).toContain('event: status');
			expect(aliceSaw).toContain(id);
			const bobSaw = await readEvents(bobStream, { until: (text) => text.includes(id), ms: 1000 });
			expect(bobSaw).not.toContain(id);
			expect(bobSaw).not.toContain('event: status');
		} finally {
			controller.abort();
		}
	});
});

test.describe('page actions cannot reach past my own preferences', () => {
	test('a daily limit above the maximum is refused, and extra form fields cannot set a phone, a verified flag or another user', async () => {
		const alice = await account('iso-prefs-alice');
		const bob = await account('iso-prefs-bob');
		const alicePhone = uniquePhone();
		await setVerifiedPhone(sql, alice.id, alicePhone);
		const aliceBefore = await prefs(alice.id);

		for (const dailyLimit of ['51', '1000', '-1', '1e9']) {
			const res = await action(bob, 'savePreferences', { timeZone: 'UTC', dailyLimit });
			expect({ dailyLimit, status: res.status }).toEqual({ dailyLimit, status: 400 });
		}
		expect(await prefs(bob.id)).toBeNull();

		const res = await action(bob, 'savePreferences', {
			timeZone: 'UTC',
			dailyLimit: '7',
			phone: alicePhone,
			phoneNumber: alicePhone,
			phone_number: alicePhone,
			phoneVerified: 'true',
			phone_verified: 'true',
			userId: alice.id,
			user_id: alice.id
		});
		expect(res.status).toBe(200);
		expect(await prefs(bob.id)).toEqual({ phone_hash: null, phone_verified: false, daily_limit: 7, opted_out: false });
		expect(await prefs(alice.id)).toEqual(aliceBefore);
	});

	test('"send me a test text" goes only to my own verified phone, whatever number the form carries', async () => {
		const alice = await account('iso-test-alice');
		const bob = await account('iso-test-bob');
		const alicePhone = uniquePhone();
		const bobPhone = uniquePhone();
		await setVerifiedPhone(sql, alice.id, alicePhone);

		// Unverified: refused, whatever the form says.
		const refused = await action(bob, 'sendTest', { phone: alicePhone, phoneNumber: alicePhone, to: alicePhone });
		expect(refused.status).toBe(400);
		const [{ n: none }] = await sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where user_id = ${bob.id}`;
		expect(none).toBe(0);

		await setVerifiedPhone(sql, bob.id, bobPhone);
		const sent = await action(bob, 'sendTest', { phone: alicePhone, phoneNumber: alicePhone, to: alicePhone });
		expect(sent.status).toBe(200);
		const rows = await sql<{ phone_enc: string }[]>`select phone_enc from public.sms_messages where user_id = ${bob.id}`;
		expect(rows.map((r) => openPhone(r.phone_enc))).toEqual([bobPhone]);
		const [{ n: toAlice }] = await sql<{ n: number }[]>`
			select count(*)::int as n from public.sms_messages where phone_hash = ${phoneHash(alicePhone)}`;
		expect(toAlice).toBe(0);
	});

	test("asking for a code to a number another account verified is refused, sends nothing, and changes neither account", async () => {
		const alice = await account('iso-verify-alice');
		const bob = await account('iso-verify-bob');
		const alicePhone = uniquePhone();
		const bobPhone = uniquePhone();
		await setVerifiedPhone(sql, alice.id, alicePhone);
		await setVerifiedPhone(sql, bob.id, bobPhone);
		const [aliceBefore, bobBefore] = [await prefs(alice.id), await prefs(bob.id)];
		const textsBefore = await sandboxMessagesTo(alicePhone);

		const api = await fetch(`${e2e.baseUrl}/api/sms/verify`, {
			method: 'POST',
			headers: { cookie: bob.cookie, 'content-type': 'application/json' },
			body: JSON.stringify({ phoneNumber: alicePhone })
		});
		expect(api.status).toBe(409);
		const form = await action(bob, 'sendCode', { country: 'US', phone: alicePhone });
		expect(form.status).toBe(409);
		for (const code of ['000000', '123456']) {
			const confirm = await fetch(`${e2e.baseUrl}/api/sms/verify/confirm`, {
				method: 'POST',
				headers: { cookie: bob.cookie, 'content-type': 'application/json' },
				body: JSON.stringify({ phoneNumber: alicePhone, code })
			});
			expect((await confirm.json()).verified).toBe(false);
		}

		expect(await sandboxMessagesTo(alicePhone)).toBe(textsBefore);
		expect(await prefs(alice.id)).toEqual(aliceBefore);
		expect(await prefs(bob.id)).toEqual(bobBefore);
	});
});
