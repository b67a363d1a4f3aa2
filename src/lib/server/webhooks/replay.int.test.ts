import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { formParams, signTwilioRequest } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleIncomingText, type IncomingContext } from './incoming.ts';
import { handleStatusCallback } from './status-callback.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

/**
 * Twilio's signatures carry no timestamp: a captured signed callback posted again must be
 * answered 200 and applied never again — whatever I-Twilio-Idempotency-Token it carries.
 */
const TOKEN = 'replay-test-auth-token-0123456789';
const PUBLIC = 'https://sms.example.com';
const STATUS_PATH = '/api/webhooks/twilio/status';
const INCOMING_PATH = '/api/webhooks/twilio/incoming';

let t: TestDatabase;
let ctx: IncomingContext;
let userId: string;
let n = 0;
const sid = () => `SM${(0xabc000 + ++n).toString(16).padStart(32, '0')}`;

function post(path: string, params: Record<string, string>, idempotencyToken?: string) {
	const body = new URLSearchParams(params).toString();
	const headers: Record<string, string> = {
		'content-type': 'application/x-www-form-urlencoded',
		'x-twilio-signature': signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${path}`, params: formParams(body) })
	};
	if (idempotencyToken) headers['i-twilio-idempotency-token'] = idempotencyToken;
	const url = new URL(`http://127.0.0.1:3000${path}`);
	return { request: new Request(url, { method: 'POST', headers, body }), url, clientAddress: '203.0.113.9' };
}

async function events(twilioSid: string): Promise<number> {
	const [{ c }] = await t.sql<{ c: number }[]>`select count(*)::int as c from public.sms_delivery_events where twilio_sid = ${twilioSid}`;
	return c;
}

beforeAll(async () => {
	t = await createTestDatabase();
	userId = await createUser(t.sql);
	ctx = { db: t.db, authToken: TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }), keywordReplies: 'app', helpText: 'Reply STOP to stop.' };
});
afterAll(async () => t.close());

describe('replayed status callbacks', () => {
	it('a retry with the same token is answered 200 and applied once', async () => {
		const s = sid();
		await t.sql`insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		            values (${userId}, ${sealedValues('+15551230002')}, 'x', 'sent', ${s})`;
		for (let i = 0; i < 3; i++) {
			const res = await handleStatusCallback(ctx, post(STATUS_PATH, { MessageSid: s, MessageStatus: 'delivered' }, 'tok-1'));
			expect(res.status).toBe(200);
		}
		expect(await events(s)).toBe(1);
	});

	it('a captured callback replayed with a fresh (unsigned) token, or none, is still a replay', async () => {
		const s = sid();
		const params = { MessageSid: s, MessageStatus: 'undelivered', ErrorCode: '30003' };
		expect((await handleStatusCallback(ctx, post(STATUS_PATH, params, 'tok-original'))).status).toBe(200);
		expect((await handleStatusCallback(ctx, post(STATUS_PATH, params, 'tok-forged'))).status).toBe(200);
		expect((await handleStatusCallback(ctx, post(STATUS_PATH, params))).status).toBe(200);
		expect(await events(s)).toBe(1);
	});

	it('different reports for one message are each applied', async () => {
		const s = sid();
		for (const [status, token] of [['sent', 'a'], ['delivered', 'b']]) {
			await handleStatusCallback(ctx, post(STATUS_PATH, { MessageSid: s, MessageStatus: status }, `tok-${s}-${token}`));
		}
		expect(await events(s)).toBe(2);
	});
});

describe('replayed inbound texts', () => {
	it('a replayed HELP gets no second reply (no second text is sent), a replayed STOP changes nothing', async () => {
		const s = sid();
		const first = await handleIncomingText(ctx, post(INCOMING_PATH, { MessageSid: s, From: '+15551230003', To: '+15005550006', Body: 'HELP' }, s));
		expect(await first.text()).toContain('Reply STOP to stop.');
		const replay = await handleIncomingText(ctx, post(INCOMING_PATH, { MessageSid: s, From: '+15551230003', To: '+15005550006', Body: 'HELP' }, 'forged'));
		expect(replay.status).toBe(200);
		expect(await replay.text()).not.toContain('<Message>');
	});
});
