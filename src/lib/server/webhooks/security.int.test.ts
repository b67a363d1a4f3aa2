/**
 * Security review of the webhook handlers (real Postgres, signatures made with the twilio SDK):
 * replayed keyword texts and bodies that exceed the limit without declaring a length.
 */
import { createUser, createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { formParams, signTwilioRequest } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES } from './form.ts';
import { handleIncomingText, type IncomingContext } from './incoming.ts';
import { handleStatusCallback } from './status-callback.ts';
import { sealedPhoneText, phoneHash } from '@sms/db/testing';

const TOKEN = 'security-test-auth-token';
const PUBLIC = 'https://sms.example.com';
const INCOMING = '/api/webhooks/twilio/incoming';
const STATUS = '/api/webhooks/twilio/status';

let t: TestDatabase;
let ctx: IncomingContext;

const sid = (n: number) => `SM${n.toString(16).padStart(32, 'a')}`;

function signedText(options: { sid: string; from: string; body: string }) {
	const raw = new URLSearchParams({ MessageSid: options.sid, From: options.from, To: '+15005550006', Body: options.body }).toString();
	const url = new URL(`http://127.0.0.1:3000${INCOMING}`);
	const signature = signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${INCOMING}`, params: formParams(raw) });
	return {
		request: new Request(url, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
			body: raw
		}),
		url,
		clientAddress: '203.0.113.9'
	};
}

async function numberOptedOut(phone: string): Promise<boolean | null> {
	const [row] = await t.sql<{ opted_out: boolean }[]>`select opted_out from public.sms_phone_opt_outs where phone_hash = ${phoneHash(phone)}`;
	return row?.opted_out ?? null;
}

beforeAll(async () => {
	t = await createTestDatabase();
	ctx = { db: t.db, authToken: TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }), keywordReplies: 'app', helpText: 'Help.' };
});
afterAll(async () => t?.close());

describe('replayed keyword texts', () => {
	it('a START delivered again (same SID) after a newer STOP leaves the number opted out', async () => {
		const phone = '+15557651001';
		const user = await createUser(t.sql);
		await t.sql`select public.set_verified_phone(${user}, ${sealedPhoneText(phone)}::public.sealed_phone)`;

		expect((await handleIncomingText(ctx, signedText({ sid: sid(1), from: phone, body: 'START' }))).status).toBe(200);
		expect((await handleIncomingText(ctx, signedText({ sid: sid(2), from: phone, body: 'STOP' }))).status).toBe(200);
		expect(await numberOptedOut(phone)).toBe(true);

		const replay = await handleIncomingText(ctx, signedText({ sid: sid(1), from: phone, body: 'START' }));
		expect(replay.status).toBe(200);
		expect(await numberOptedOut(phone)).toBe(true);
		const [prefs] = await t.sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${user}`;
		expect(prefs.opted_out).toBe(true);
	});

	it('a STOP delivered twice is still one opt-out, and the first delivery of a keyword always applies', async () => {
		const phone = '+15557651002';
		expect((await handleIncomingText(ctx, signedText({ sid: sid(3), from: phone, body: 'STOP' }))).status).toBe(200);
		expect((await handleIncomingText(ctx, signedText({ sid: sid(3), from: phone, body: 'STOP' }))).status).toBe(200);
		expect(await numberOptedOut(phone)).toBe(true);
		expect((await handleIncomingText(ctx, signedText({ sid: sid(4), from: phone, body: 'START' }))).status).toBe(200);
		expect(await numberOptedOut(phone)).toBe(false);
	});
});

describe('bodies over the limit without a Content-Length', () => {
	function chunked(path: string, totalBytes: number): { request: Request; url: URL; clientAddress: string } {
		const piece = new TextEncoder().encode('x'.repeat(8 * 1024));
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent >= totalBytes) return controller.close();
				sent += piece.byteLength;
				controller.enqueue(piece);
			}
		});
		const url = new URL(`http://127.0.0.1:3000${path}`);
		const init = {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
			body,
			duplex: 'half'
		} as RequestInit & { duplex: 'half' };
		return { request: new Request(url, init), url, clientAddress: '203.0.113.9' };
	}

	it('are refused with 413 (not a 5xx that would make Twilio retry), on both routes', async () => {
		for (const path of [STATUS, INCOMING]) {
			const handle = path === STATUS ? handleStatusCallback : handleIncomingText;
			const res = await handle(ctx, chunked(path, MAX_WEBHOOK_BODY_BYTES * 4));
			expect({ path, status: res.status }).toEqual({ path, status: 413 });
		}
	});

	it('a body that fails while being read is a 400, not a 503', async () => {
		const url = new URL(`http://127.0.0.1:3000${STATUS}`);
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				controller.error(new Error('client went away'));
			}
		});
		const request = new Request(url, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
			body,
			duplex: 'half'
		} as RequestInit & { duplex: 'half' });
		const res = await handleStatusCallback(ctx, { request, url, clientAddress: null });
		expect(res.status).toBe(400);
	});
});
