import { createDb, openPayload, phoneCipher } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { formParams, signTwilioRequest, twilioBodyHash } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleIncomingText, type IncomingContext } from './incoming.ts';
import { handleStatusCallback } from './status-callback.ts';
import { phoneHash } from '@sms/db/testing';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

const TOKEN = 'test-auth-token-0123456789';
const PUBLIC = 'https://sms.example.com';
// What the app sees behind a TLS-terminating proxy: plain http on a local port.
const LOCAL = 'http://127.0.0.1:3000';
const STATUS_PATH = '/api/webhooks/twilio/status';
const INCOMING_PATH = '/api/webhooks/twilio/incoming';

let t: TestDatabase;
let ctx: IncomingContext;
let userId: string;

const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;

function post(options: {
	path: string;
	params: Record<string, string>;
	query?: string;
	signWith?: string | null;
	tamper?: boolean;
	contentType?: string;
	rawBody?: string;
}): { request: Request; url: URL; clientAddress: string } {
	const json = options.contentType === 'application/json';
	// Twilio signs a JSON body through a bodySHA256 query parameter.
	const rawQuery = json ? `bodySHA256=${twilioBodyHash(options.rawBody ?? '')}` : options.query;
	const query = rawQuery ? `?${rawQuery}` : '';
	const headers: Record<string, string> = {
		'content-type': options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8'
	};
	const signed = options.rawBody ?? new URLSearchParams(options.params).toString();
	if (options.signWith !== null) {
		const signedUrl = `${options.signWith ?? PUBLIC}${options.path}${query}`;
		headers['x-twilio-signature'] = signTwilioRequest({ authToken: TOKEN, url: signedUrl, params: json ? {} : formParams(signed) });
	}
	const body = options.tamper ? new URLSearchParams({ ...options.params, MessageStatus: 'delivered' }).toString() : signed;
	const url = new URL(`${LOCAL}${options.path}${query}`);
	return { request: new Request(url, { method: 'POST', headers, body }), url, clientAddress: '203.0.113.7' };
}

async function message(twilioSid: string | null, status = 'queued'): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		values (${userId}, ${sealedValues('+15551230001')}, 'Your code', ${status}, ${twilioSid}) returning id`;
	return row.id;
}

async function state(id: string) {
	const [m] = await t.sql<{ status: string; error_code: number | null }[]>`
		select status, error_code from public.sms_messages where id = ${id}`;
	return m;
}

async function eventCount(twilioSid: string): Promise<number> {
	const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_delivery_events where twilio_sid = ${twilioSid}`;
	return n;
}

beforeAll(async () => {
	t = await createTestDatabase();
	userId = await createUser(t.sql);
	ctx = { db: t.db, authToken: TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }), keywordReplies: 'app', helpText: 'Reply STOP to stop.' };
});
afterAll(async () => t.close());

describe('status callback', () => {
	it('applies a signed report (public https URL, local http request) and answers 200 with no body', async () => {
		const id = await message(sid(1));
		const res = await handleStatusCallback(ctx, post({ path: STATUS_PATH, params: { MessageSid: sid(1), MessageStatus: 'delivered', Extra: 'x', To: '+14155550123', From: '+15005550006' } }));
		expect(res.status).toBe(200);
		expect(await res.text()).toBe('');
		expect((await state(id)).status).toBe('delivered');
		const [event] = await t.sql<{ source: string; sender_ip: string; payload: Record<string, string> }[]>`
			select source, host(sender_ip) as sender_ip, payload from public.sms_delivery_events where twilio_sid = ${sid(1)}`;
		expect(event).toMatchObject({ source: 'webhook', sender_ip: '203.0.113.7', payload: { Extra: 'x', MessageStatus: 'delivered' } });
		// To/From are stored sealed: no number in the row, and they open to what Twilio sent.
		expect(JSON.stringify(event.payload)).not.toMatch(/4155550123|5005550006/);
		expect(openPayload(phoneCipher(), event.payload)).toMatchObject({ To: '+14155550123', From: '+15005550006' });
	});

	it('keeps the query string as received in the signed URL', async () => {
		const id = await message(sid(2));
		const ok = await handleStatusCallback(ctx, post({ path: STATUS_PATH, query: 'tenant=a%20b&x=1', params: { MessageSid: sid(2), MessageStatus: 'sent' } }));
		expect(ok.status).toBe(200);
		expect((await state(id)).status).toBe('sent');
	});

	it.each([
		['signed with the local (proxied) URL', 11, { signWith: LOCAL }],
		['tampered after signing', 12, { tamper: true }],
		['unsigned', 13, { signWith: null }]
	])('refuses a request %s with 403 and writes nothing', async (_name, n, variant) => {
		const s = sid(n);
		const id = await message(s);
		const res = await handleStatusCallback(ctx, post({ path: STATUS_PATH, params: { MessageSid: s, MessageStatus: 'failed' }, ...variant }));
		expect(res.status).toBe(403);
		expect(await eventCount(s)).toBe(0);
		expect((await state(id)).status).toBe('queued');
	});

	it('ends in the right state when callbacks are duplicated and reordered, keeping every distinct report once', async () => {
		const id = await message(sid(20));
		for (const status of ['delivered', 'sent', 'delivered', 'sending', 'undelivered']) {
			const res = await handleStatusCallback(ctx, post({ path: STATUS_PATH, params: { MessageSid: sid(20), MessageStatus: status } }));
			expect(res.status).toBe(200);
		}
		expect((await state(id)).status).toBe('delivered');
		// The second 'delivered' is the same signed request again (a replay): answered, not re-applied.
		expect(await eventCount(sid(20))).toBe(4);
	});

	it('keeps a callback that arrives before the SID is stored, and applies it once the SID is attached', async () => {
		const res = await handleStatusCallback(
			ctx,
			post({ path: STATUS_PATH, params: { MessageSid: sid(30), MessageStatus: 'undelivered', ErrorCode: '30003' } })
		);
		expect(res.status).toBe(200);
		expect(await eventCount(sid(30))).toBe(1);
		const id = await message(null, 'dispatching');
		await t.sql`select public.attach_sms_sid(${id}, ${sid(30)}, 'queued', 1, 'GSM-7')`;
		expect(await state(id)).toEqual({ status: 'undelivered', error_code: 30003 });
	});

	it.each([
		['a JSON body', { contentType: 'application/json', rawBody: '{"MessageSid":"x"}' }, 415],
		['no MessageSid', { params: { MessageStatus: 'sent' } }, 400],
		['no MessageStatus', { params: { MessageSid: sid(40) } }, 400],
		['binary garbage', { rawBody: '\u0000\u00ff%%%=&&=' }, 400]
	])('answers %s with a 4xx, never a 5xx', async (_name, variant, status) => {
		const params = 'params' in variant ? variant.params : {};
		const res = await handleStatusCallback(ctx, post({ path: STATUS_PATH, ...variant, params: params as Record<string, string> }));
		expect(res.status).toBe(status);
		expect(await res.text()).not.toBe('');
	});

	it('answers 503 (so Twilio retries) when the database is down', async () => {
		const down = createDb({ url: 'postgres://postgres:postgres@127.0.0.1:1/none', max: 1 });
		try {
			const res = await handleStatusCallback({ ...ctx, db: down }, post({ path: STATUS_PATH, params: { MessageSid: sid(50), MessageStatus: 'sent' } }));
			expect(res.status).toBe(503);
			expect(res.headers.get('retry-after')).toBe('5');
		} finally {
			await down.end();
		}
	});
});

describe('incoming text', () => {
	const PHONE = '+15557650001';
	let owner: string;
	let other: string;

	beforeAll(async () => {
		owner = await createUser(t.sql);
		other = await createUser(t.sql);
		await t.sql`insert into public.user_sms_preferences (user_id, phone_enc, phone_hash, phone_last4, calling_code, phone_verified) values (${owner}, ${sealedValues(PHONE)}, true), (${other}, ${sealedValues(PHONE)}, false)`;
	});

	async function reply(body: string, n: number, context = ctx) {
		const res = await handleIncomingText(context, post({ path: INCOMING_PATH, params: { MessageSid: sid(100 + n), From: PHONE, To: '+15005550006', Body: body } }));
		expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
		return { status: res.status, xml: await res.text() };
	}

	async function optedOut(): Promise<boolean[]> {
		const rows = await t.sql<{ opted_out: boolean }[]>`
			select opted_out from public.user_sms_preferences where phone_hash = ${phoneHash(PHONE)} order by user_id = ${owner} desc`;
		return rows.map((r) => r.opted_out);
	}

	it('STOP opts the number out for every account using it, stores the text, and answers TwiML', async () => {
		const { status, xml } = await reply('  stop ', 1);
		expect(status).toBe(200);
		expect(xml).toMatch(/<Response><Message>You have successfully been unsubscribed.*<\/Message><\/Response>$/);
		expect(await optedOut()).toEqual([true, true]);
		const [row] = await t.sql<{ user_id: string; direction: string; status: string; message_content: string }[]>`
			select user_id, direction, status, message_content from public.sms_messages where twilio_sid = ${sid(101)}`;
		expect(row).toEqual({ user_id: owner, direction: 'inbound', status: 'received', message_content: '  stop ' });
	});

	it('START opts back in; a retried delivery of the same text is stored once', async () => {
		expect((await reply('Start', 2)).xml).toMatch(/re-subscribed/);
		expect((await reply('Start', 2)).status).toBe(200);
		expect(await optedOut()).toEqual([false, false]);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where twilio_sid = ${sid(102)}`;
		expect(n).toBe(1);
	});

	it('HELP gets the help text; an ordinary text gets an empty <Response/>', async () => {
		expect((await reply('help', 3)).xml).toContain('<Message>Reply STOP to stop.</Message>');
		expect((await reply('please stop texting me', 4)).xml).toMatch(/<Response\/>$/);
		expect(await optedOut()).toEqual([false, false]);
	});

	it("stays silent when Twilio's Advanced Opt-Out answers keywords, but still records the opt-out", async () => {
		expect((await reply('QUIT', 5, { ...ctx, keywordReplies: 'twilio' })).xml).toMatch(/<Response\/>$/);
		expect(await optedOut()).toEqual([true, true]);
	});

	it('refuses unsigned texts with 403 and records nothing', async () => {
		const res = await handleIncomingText(ctx, post({ path: INCOMING_PATH, signWith: null, params: { MessageSid: sid(199), From: PHONE, Body: 'START' } }));
		expect(res.status).toBe(403);
		expect(await optedOut()).toEqual([true, true]);
	});
});
