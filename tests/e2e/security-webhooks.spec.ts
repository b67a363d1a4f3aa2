import { expect, test } from '@playwright/test';
import twilio from 'twilio';
import { signInRequest } from './support/auth.ts';
import { connect, eventCount, insertMessage, messageState, phoneHash, sealedPhone, setVerifiedPhone, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';
import { INCOMING_PATH, newSid, postSigned, STATUS_PATH, statusParams } from './support/twilio.ts';

/**
 * Security review of the Twilio webhooks, against the production build: forged, replayed and
 * misdirected signatures, oversized bodies, spoofed inbound texts.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

async function verifiedUser(request: Parameters<typeof signInRequest>[0]): Promise<{ id: string; phone: string }> {
	const email = uniqueEmail('sec-webhooks');
	await signInRequest(request, email);
	const id = await userId(sql, email);
	const phone = uniquePhone();
	await setVerifiedPhone(sql, id, phone);
	return { id, phone };
}

async function inboundCount(sid: string): Promise<number> {
	const [row] = await sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where twilio_sid = ${sid}`;
	return row.n;
}

async function numberOptedOut(phone: string): Promise<boolean | null> {
	const [row] = await sql<{ opted_out: boolean }[]>`select opted_out from public.sms_phone_opt_outs where phone_hash = ${phoneHash(phone)}`;
	return row?.opted_out ?? null;
}

function inbound(sid: string, from: string, body: string): Record<string, string> {
	return { AccountSid: 'AC' + '0'.repeat(31) + '1', MessageSid: sid, SmsSid: sid, From: from, To: '+15005550006', Body: body, NumMedia: '0' };
}

test.describe('a signature is bound to one URL', () => {
	test('a genuine status-callback signature presented at the inbound URL is refused, and nothing is stored', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const params = inbound(sid, user.phone, 'STOP');
		const res = await postSigned(request, { path: INCOMING_PATH, params, signUrl: `${e2e.publicBaseUrl}${STATUS_PATH}` });
		expect(res.status()).toBe(403);
		expect(await inboundCount(sid)).toBe(0);
		expect(await numberOptedOut(user.phone)).toBeNull();
	});

	test('a genuine inbound signature presented at the status URL is refused', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user.id, sid });
		const res = await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'delivered'), signUrl: `${e2e.publicBaseUrl}${INCOMING_PATH}` });
		expect(res.status()).toBe(403);
		expect(await eventCount(sql, sid)).toBe(0);
		expect((await messageState(sql, id)).status).toBe('queued');
	});

	test('a signature over another host, or over a different query string, is refused', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user.id, sid });
		const params = statusParams(sid, 'delivered');
		const cases = [
			{ path: STATUS_PATH, signUrl: `https://evil.example${STATUS_PATH}` },
			{ path: STATUS_PATH, signUrl: `${e2e.publicBaseUrl}${STATUS_PATH}?tenant=a` },
			{ path: `${STATUS_PATH}?tenant=b`, signUrl: `${e2e.publicBaseUrl}${STATUS_PATH}?tenant=a` },
			{ path: `${STATUS_PATH}?tenant=a`, signUrl: `${e2e.publicBaseUrl}${STATUS_PATH}` }
		];
		for (const c of cases) {
			const res = await postSigned(request, { ...c, params });
			expect({ ...c, status: res.status() }).toEqual({ ...c, status: 403 });
		}
		expect(await eventCount(sql, sid)).toBe(0);
		expect((await messageState(sql, id)).status).toBe('queued');
	});

	test('a signature made with another auth token is refused', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const params = inbound(sid, user.phone, 'STOP');
		const signature = twilio.getExpectedTwilioSignature('some-other-accounts-token', `${e2e.publicBaseUrl}${INCOMING_PATH}`, params);
		const res = await request.post(`${e2e.baseUrl}${INCOMING_PATH}`, {
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
			data: new URLSearchParams(params).toString()
		});
		expect(res.status()).toBe(403);
		expect(await numberOptedOut(user.phone)).toBeNull();
	});
});

test.describe('spoofed inbound texts', () => {
	test("an unsigned STOP claiming to come from someone's number does not opt them out", async ({ request }) => {
		const victim = await verifiedUser(request);
		for (const headers of [{}, { 'x-twilio-signature': '' }, { 'x-twilio-signature': 'AAAA' }] as Record<string, string>[]) {
			const sid = newSid();
			const res = await request.post(`${e2e.baseUrl}${INCOMING_PATH}`, {
				headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
				data: new URLSearchParams(inbound(sid, victim.phone, 'STOP')).toString()
			});
			expect(res.status()).toBe(403);
			expect(await inboundCount(sid)).toBe(0);
		}
		expect(await numberOptedOut(victim.phone)).toBeNull();
		const [row] = await sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${victim.id}`;
		expect(row.opted_out).toBe(false);
	});

	test('a signed STOP from a number opts out every account holding it (intended: STOP belongs to the number)', async ({ request }) => {
		const owner = await verifiedUser(request);
		const other = await userId(sql, await (async () => {
			const email = uniqueEmail('sec-webhooks-other');
			await signInRequest(request, email);
			return email;
		})());
		await sql`select public.set_unverified_phone(${other}, ${sealedPhone(sql, owner.phone)})`;
		const res = await postSigned(request, { path: INCOMING_PATH, params: inbound(newSid(), owner.phone, 'STOP') });
		expect(res.status()).toBe(200);
		const rows = await sql<{ opted_out: boolean }[]>`
			select opted_out from public.user_sms_preferences where user_id in (${owner.id}, ${other})`;
		expect(rows.map((r) => r.opted_out)).toEqual([true, true]);
	});
});

test.describe('replays', () => {
	test('a replayed START (same signed request, same SID) does not undo a later STOP', async ({ request }) => {
		const user = await verifiedUser(request);
		const startSid = newSid();
		const start = inbound(startSid, user.phone, 'START');
		expect((await postSigned(request, { path: INCOMING_PATH, params: start })).status()).toBe(200);
		expect((await postSigned(request, { path: INCOMING_PATH, params: inbound(newSid(), user.phone, 'STOP') })).status()).toBe(200);
		expect(await numberOptedOut(user.phone)).toBe(true);

		// The earlier START again: a Twilio retry that arrives late, or a captured request replayed.
		const replay = await postSigned(request, { path: INCOMING_PATH, params: start });
		expect(replay.status()).toBe(200);
		expect(await numberOptedOut(user.phone)).toBe(true);
		const [row] = await sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${user.id}`;
		expect(row.opted_out).toBe(true);
		expect(await inboundCount(startSid)).toBe(1);
	});

	test('a replayed status callback is answered 200, applied once, and never moves a message backwards', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const id = await insertMessage(sql, { userId: user.id, sid });
		const sent = statusParams(sid, 'sent');
		expect((await postSigned(request, { path: STATUS_PATH, params: sent })).status()).toBe(200);
		expect((await postSigned(request, { path: STATUS_PATH, params: statusParams(sid, 'delivered') })).status()).toBe(200);
		for (let i = 0; i < 3; i++) expect((await postSigned(request, { path: STATUS_PATH, params: sent })).status()).toBe(200);
		expect((await messageState(sql, id)).status).toBe('delivered');
		expect(await eventCount(sql, sid)).toBe(2);
	});
});

test.describe('oversized bodies', () => {
	test('a signed body over 64 KiB is refused with 413 before anything is written', async ({ request }) => {
		const user = await verifiedUser(request);
		const sid = newSid();
		const params = inbound(sid, user.phone, 'STOP');
		params.Padding = 'x'.repeat(100 * 1024);
		const res = await postSigned(request, { path: INCOMING_PATH, params });
		expect(res.status()).toBe(413);
		expect(await inboundCount(sid)).toBe(0);
		expect(await numberOptedOut(user.phone)).toBeNull();
	});

	test('a huge chunked body (no Content-Length) is refused with a 4xx, never a 5xx, and the server stays up', async () => {
		const chunk = new TextEncoder().encode(`Padding=${'x'.repeat(64 * 1024)}&`);
		let sentChunks = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sentChunks++ >= 32) controller.close();
				else controller.enqueue(chunk);
			}
		});
		const res = await fetch(`${e2e.baseUrl}${STATUS_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
			body: stream,
			duplex: 'half'
		} as RequestInit & { duplex: 'half' }).catch(() => null);
		// The server may also cut the connection once the limit is reached; either way, no 5xx.
		if (res) {
			expect(res.status).toBeGreaterThanOrEqual(400);
			expect(res.status).toBeLessThan(500);
		}
		expect((await fetch(`${e2e.baseUrl}/api/health`)).status).toBe(200);
	});
});
