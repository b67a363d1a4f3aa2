import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { localPhoneKeys, phoneKeysToEnv } from '../../packages/db/src/phone-crypto.ts';
import { freePort } from './support/net.ts';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { signInRequest } from './support/auth.ts';
import { connect, eventCount, insertMessage, messageState, phoneColumns, phoneHash, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';
import { INCOMING_PATH, newSid, postSigned, STATUS_PATH, statusParams } from './support/twilio.ts';

// HTTP-only: the production build, as Twilio would reach it.
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

async function signedInUser(request: APIRequestContext): Promise<string> {
	const email = uniqueEmail('webhooks');
	await signInRequest(request, email);
	return userId(sql, email);
}

test.describe('status callback signatures', () => {
	test('a valid signature is applied and answered 200 with an empty body', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user, sid });
		const res = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'delivered', { NewField: 'ignored' }) });
		expect(res.status()).toBe(200);
		expect(await res.text()).toBe('');
		expect((await messageState(sql, id)).status).toBe('delivered');
		expect(await eventCount(sql, sid)).toBe(1);
	});

	test('tampered and missing signatures are refused with 403 and nothing is written', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user, sid });
		const signed = statusParams(sid, 'sent');
		const tampered = await postSigned(request, {
			path: STATUS_PATH,
			params: signed,
			body: new URLSearchParams({ ...signed, MessageStatus: 'failed' }).toString()
		});
		expect(tampered.status()).toBe(403);
		const missing = await postSigned(request, { path: STATUS_PATH, params: signed, signUrl: null });
		expect(missing.status()).toBe(403);
		const wrongToken = await request.post(`${e2e.baseUrl}${STATUS_PATH}`, {
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
			data: new URLSearchParams(signed).toString()
		});
		expect(wrongToken.status()).toBe(403);
		expect(await eventCount(sql, sid)).toBe(0);
		expect((await messageState(sql, id)).status).toBe('queued');
	});

	test('duplicated and reordered callbacks end in the right state, every distinct report kept once', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user, sid });
		for (const status of ['sent', 'delivered', 'sent', 'delivered', 'sending', 'undelivered']) {
			const res = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, status) });
			expect(res.status()).toBe(200);
		}
		expect((await messageState(sql, id)).status).toBe('delivered');
		// Repeats of the same signed request are replays: answered 200, kept once.
		expect(await eventCount(sql, sid)).toBe(4);

		// Failure first, then the handset's proof of delivery: delivered wins.
		const sid2 = newSid();
		const id2 = await insertMessage(sql, { userId: user, sid: sid2 });
		await postSigned(request, { path: STATUS_PATH, params: statusParams(sid2, 'undelivered', { ErrorCode: '30003' }) });
		await postSigned(request, { path: STATUS_PATH, params: statusParams(sid2, 'delivered') });
		expect((await messageState(sql, id2)).status).toBe('delivered');

		// The user sees the verdict through the JSON API.
		const res = await request.get(`${e2e.baseUrl}/api/sms/messages/${id}`);
		expect(res.status()).toBe(200);
		const { message } = await res.json();
		expect(message.verdict).toMatchObject({ kind: 'delivered', label: 'Delivered' });
		expect(message.timeline.length).toBe(5);
	});

	test('a callback that arrives before the SID is stored is kept and applied once the SID is attached', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const res = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'undelivered', { ErrorCode: '30003' }) });
		expect(res.status()).toBe(200);
		expect(await eventCount(sql, sid)).toBe(1);
		// The worker stores the SID after Twilio's API answer, which the callback raced ahead of.
		const id = await insertMessage(sql, { userId: user, sid: null, status: 'dispatching' });
		await sql`select public.attach_sms_sid(${id}, ${sid}, 'queued', 1, 'GSM-7')`;
		expect(await messageState(sql, id)).toEqual({ status: 'undelivered', error_code: 30003 });
		const { message } = await (await request.get(`${e2e.baseUrl}/api/sms/messages/${id}`)).json();
		expect(message.verdict.kind).toBe('failed');
		expect(message.failure.code).toBe(30003);
	});
});

test.describe('garbage never causes a 5xx', () => {
	const cases: [string, () => Parameters<typeof postSigned>[1], number][] = [
		['unsigned nonsense', () => ({ path: STATUS_PATH, params: {}, signUrl: null, body: '%%%&&&==\u0000' }), 403],
		['a JSON body', () => ({ path: STATUS_PATH, params: {}, body: '{"MessageSid":"SM1"}', contentType: 'application/json' }), 403],
		['signed, no MessageSid', () => ({ path: STATUS_PATH, params: { MessageStatus: 'sent' } }), 400],
		['signed, no MessageStatus', () => ({ path: STATUS_PATH, params: { MessageSid: newSid() } }), 400],
		['signed, a SID that is not a SID', () => ({ path: STATUS_PATH, params: { MessageSid: "x' or 1=1", MessageStatus: 'sent' } }), 400],
		['signed, an empty body', () => ({ path: STATUS_PATH, params: {} }), 400],
		['multipart (Twilio never signs one)', () => ({ path: STATUS_PATH, params: {}, contentType: 'multipart/form-data; boundary=x', body: '--x--' }), 403],
		['a huge body', () => ({ path: STATUS_PATH, params: {}, signUrl: null, body: 'a='.padEnd(200_000, 'b') }), 413],
		['incoming, signed, no From', () => ({ path: INCOMING_PATH, params: { MessageSid: newSid(), Body: 'STOP' } }), 400]
	];
	for (const [name, make, status] of cases) {
		test(`${name} → ${status}`, async ({ request }) => {
			const res = await postSigned(request, make());
			expect(res.status()).toBe(status);
		});
	}

	test('a known SID with an unknown status is kept and answered 200', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user, sid });
		const res = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'teleported') });
		expect(res.status()).toBe(200);
		expect(await eventCount(sql, sid)).toBe(1);
		expect((await messageState(sql, id)).status).toBe('queued');
	});
});

test.describe('incoming texts', () => {
	test('STOP opts the number out for every account, START opts back in, HELP answers', async ({ request }) => {
		const phone = uniquePhone();
		const owner = await signedInUser(request);
		const other = await signedInUser(request);
		const [mine, theirs] = [phoneColumns(phone), phoneColumns(phone)];
		await sql`insert into public.user_sms_preferences (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified)
			values (${owner}, ${mine.phone_enc}, ${mine.phone_hash}, ${mine.phone_last4}, ${mine.calling_code}, true), (${other}, ${theirs.phone_enc}, ${theirs.phone_hash}, ${theirs.phone_last4}, ${theirs.calling_code}, false)`;
		const optedOut = async () =>
			(await sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where phone_hash = ${phoneHash(phone)}`).map(
				(r) => r.opted_out
			);
		const text = (body: string) =>
			postSigned(request, { path: INCOMING_PATH, params: { MessageSid: newSid(), From: phone, To: '+15005550006', Body: body } });

		const stop = await text(' Stop ');
		expect(stop.status()).toBe(200);
		expect(stop.headers()['content-type']).toMatch(/^text\/xml/);
		expect(await stop.text()).toMatch(/<Response><Message>[^<]*unsubscribed[^<]*<\/Message><\/Response>/);
		expect(await optedOut()).toEqual([true, true]);

		const start = await text('START');
		expect(await start.text()).toMatch(/re-subscribed/);
		expect(await optedOut()).toEqual([false, false]);

		const help = await text('help');
		expect(await help.text()).toMatch(/<Message>[^<]+<\/Message>/);
		const chat = await text('thanks!');
		expect(await chat.text()).toMatch(/<Response\/>$/);
		expect(await optedOut()).toEqual([false, false]);

		const [{ n }] = await sql<{ n: number }[]>`
			select count(*)::int as n from public.sms_messages where phone_hash = ${phoneHash(phone)} and direction = 'inbound' and user_id = ${owner}`;
		expect(n).toBe(4);
	});
});

test.describe('GET /api/sms/messages', () => {
	test('401 when signed out; keyset pages of my own texts when signed in', async ({ playwright }) => {
		const anonymous = await playwright.request.newContext();
		expect((await anonymous.get(`${e2e.baseUrl}/api/sms/messages`)).status()).toBe(401);
		await anonymous.dispose();

		const me = await playwright.request.newContext();
		const user = await signedInUser(me);
		const other = await playwright.request.newContext();
		const stranger = await signedInUser(other);
		await other.dispose();
		for (let i = 0; i < 5; i++) await insertMessage(sql, { userId: user, sid: null, status: 'pending', body: `Mine ${i}` });
		await insertMessage(sql, { userId: stranger, sid: null, status: 'pending', body: 'Not mine' });

		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const res = await me.get(`${e2e.baseUrl}/api/sms/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
			expect(res.status()).toBe(200);
			const page: { messages: { body: string }[]; nextCursor: string | null } = await res.json();
			expect(page.messages.length).toBeLessThanOrEqual(2);
			seen.push(...page.messages.map((m) => m.body));
			cursor = page.nextCursor;
		} while (cursor);
		expect(seen).toEqual(['Mine 4', 'Mine 3', 'Mine 2', 'Mine 1', 'Mine 0']);
		expect((await me.get(`${e2e.baseUrl}/api/sms/messages?cursor=garbage`)).status()).toBe(400);
		await me.dispose();
	});
});

test.describe('behind a TLS-terminating proxy', () => {
	let server: ChildProcess | undefined;
	let localUrl = '';
	const publicUrl = 'https://sms.proxy.example';


	test.beforeAll(async () => {
		// A second instance of the same build whose public URL is https, reached over plain http.
		const port = await freePort();
		localUrl = `http://127.0.0.1:${port}`;
		server = spawn(process.execPath, ['build/index.js'], {
			stdio: 'ignore',
			env: {
				PATH: process.env.PATH,
				HOST: '127.0.0.1',
				PORT: String(port),
				DATABASE_URL: e2e.databaseUrl,
				PUBLIC_BASE_URL: publicUrl,
				TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1',
				TWILIO_AUTH_TOKEN: e2e.authToken,
				TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1',
				SESSION_SECRET: 'proxy-test-session-secret-0123456789',
				LOG_LEVEL: 'warn',
				// The stack's phone keys (npm start keeps them in its data directory): payloads are sealed with them.
				...phoneKeysToEnv(await localPhoneKeys(path.join(os.tmpdir(), `sms-e2e-${new URL(e2e.baseUrl).port}`)))
			}
		});
		for (let i = 0; i < 150; i++) {
			try {
				if ((await fetch(`${localUrl}/api/health`)).ok) return;
			} catch {
				// starting
			}
			await new Promise((r) => setTimeout(r, 200));
		}
		throw new Error('the second server did not start');
	});
	test.afterAll(() => {
		server?.kill('SIGKILL');
	});

	test('accepts a request signed with the public https URL and refuses one signed with the local URL', async ({ request }) => {
		const user = await signedInUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user, sid });
		const wrong = await postSigned(request, {
			path: STATUS_PATH,
			baseUrl: localUrl,
			signUrl: `${localUrl}${STATUS_PATH}`,
			params: statusParams(sid, 'sent')
		});
		expect(wrong.status()).toBe(403);
		expect(await eventCount(sql, sid)).toBe(0);
		const right = await postSigned(request, {
			path: `${STATUS_PATH}?tenant=a%20b`,
			baseUrl: localUrl,
			signUrl: `${publicUrl}${STATUS_PATH}?tenant=a%20b`,
			params: statusParams(sid, 'sent')
		});
		expect(right.status()).toBe(200);
		expect((await messageState(sql, id)).status).toBe('sent');
	});
});
