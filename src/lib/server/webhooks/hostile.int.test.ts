/**
 * Fault test (issue 16, CI size): 2,000 malformed or hostile bodies at both Twilio webhook
 * routes (status and incoming) — random bytes, huge fields, wrong content types, bad encodings,
 * valid signatures over odd parameters, bodies that never say how long they are — interleaved
 * with valid reports. Never a 5xx, never an unhandled error, and every valid report applied.
 */
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { formParams, signTwilioRequest } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES } from './form.ts';
import { handleIncomingText, type IncomingContext } from './incoming.ts';
import { handleStatusCallback } from './status-callback.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

const TOKEN = 'hostile-test-auth-token-0123';
const PUBLIC = 'https://sms.example.com';
const ROUTES = { status: '/api/webhooks/twilio/status', incoming: '/api/webhooks/twilio/incoming' } as const;
type Route = keyof typeof ROUTES;
const HOSTILE = 2_000;
const VALID = 100;
const sid = (n: number) => `SM${n.toString(16).padStart(32, 'd')}`;

let t: TestDatabase;
let ctx: IncomingContext;

beforeAll(async () => {
	t = await createTestDatabase();
	ctx = { db: t.db, authToken: TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }), keywordReplies: 'app', helpText: 'Help.' };
	const userId = await createUser(t.sql);
	await t.sql`insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		select ${userId}, ${sealedValues('+15551230001')}, 'text ' || n, 'queued', 'SM' || lpad(to_hex(n), 32, 'd') from generate_series(0, ${VALID - 1}) n`;
});
afterAll(() => t?.close());

/** Seeded (mulberry32), so a failing body can be found again from the seed. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = Math.imul(a ^ (a >>> 15), 1 | a);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
}

interface Case {
	route: Route;
	kind: string;
	body: BodyInit;
	contentType: string | null;
	/** Sign over these parameters (a valid signature), or send this header verbatim. */
	signOver?: string;
	signature?: string;
	/** Send the body as a stream, without Content-Length. */
	stream?: boolean;
}

const encode = (params: [string, string][]) => params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function hostileCase(i: number, rand: () => number): Case {
	const route: Route = i % 2 === 0 ? 'status' : 'incoming';
	const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
	const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
	const form = 'application/x-www-form-urlencoded';
	const someSid = pick([sid(Math.floor(rand() * VALID)), `SM${'z'.repeat(32)}`, '', 'SM', `SM${'0'.repeat(5000)}`, "SM' OR 1=1 --"]);
	switch (i % 10) {
		case 0: {
			// Random bytes, sometimes signed over whatever they decode to.
			const raw = bytes(1 + Math.floor(rand() * 2000));
			const text = new TextDecoder().decode(raw);
			return { route, kind: 'random bytes', body: raw, contentType: pick([form, null, 'application/octet-stream']), signOver: rand() < 0.5 ? text : undefined };
		}
		case 1: {
			// A field far over the body limit, declared or not.
			const raw = encode([['MessageSid', someSid], ['MessageStatus', 'delivered'], ['Body', 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + Math.floor(rand() * 50_000))]]);
			return { route, kind: 'huge field', body: raw, contentType: form, signOver: raw, stream: rand() < 0.5 };
		}
		case 2: {
			// Wrong content types.
			const json = JSON.stringify({ MessageSid: someSid, MessageStatus: 'delivered', From: '+15557650001', Body: 'STOP' });
			const [body, type] = pick([
				[json, 'application/json'],
				[json, 'text/plain'],
				['<xml><MessageSid>x</MessageSid></xml>', 'application/xml'],
				['--b\r\nContent-Disposition: form-data; name="MessageSid"\r\n\r\nSM1\r\n--b--', 'multipart/form-data; boundary=b'],
				[encode([['MessageSid', someSid]]), 'application/x-www-form-urlencoded; charset=utf-16']
			] as [string, string][]);
			return { route, kind: 'content type', body, contentType: type, signOver: rand() < 0.5 ? body : undefined };
		}
		case 3: {
			// Bad encodings: invalid UTF-8, lone surrogates, NUL, broken percent escapes, overlong forms.
			const raw = pick([
				`MessageSid=${someSid}&MessageStatus=delivered&ErrorMessage=%FF%FE%C3%28`,
				`MessageSid=${someSid}&MessageStatus=%ED%A0%80&From=%C0%AF`,
				`MessageSid=${someSid}&MessageStatus=sent&Body=%00%00%00`,
				`MessageSid=${someSid}&MessageStatus=%E0%80%AF&Body=%`,
				`MessageSid=%%%&MessageStatus=%G1&From=%2`,
				`From=%2B1555765%00&Body=ST%00OP&MessageSid=${someSid}`
			]);
			return { route, kind: 'bad encoding', body: raw, contentType: form, signOver: raw };
		}
		case 4:
		case 5: {
			// Valid signatures over odd parameters.
			const params: [string, string][] = pick([
				[['MessageSid', someSid]],
				[['MessageSid', someSid], ['MessageStatus', pick(['DELIVERED ', 'exploded', '', 'delivered\n', 'null', 'received'])]],
				[['MessageSid', someSid], ['MessageSid', sid(1)], ['MessageStatus', 'delivered'], ['MessageStatus', 'failed']],
				[['MessageSid', someSid], ['MessageStatus', 'undelivered'], ['ErrorCode', pick(['-1', '1e309', '99999999999', 'NaN', '30003.5', ' 30003'])]],
				[['MessageSid', someSid], ['MessageStatus', 'delivered'], ['Price', pick(['NaN', '1e400', '-Infinity', '--1', '0x10', '-999999.99999'])], ['PriceUnit', 'U$D']],
				[['MessageSid', someSid], ['MessageStatus', 'sent'], ...Array.from({ length: 500 }, (_, k) => [`P${k}`, 'v'] as [string, string])],
				[['MessageSid[]', someSid], ['__proto__', 'x'], ['constructor', 'y'], ['MessageStatus', 'delivered']],
				[['From', pick(['not a phone', '', '+', '+999999999999999999', '+15005550001', '15557650002'])], ['To', '+15005550006'], ['Body', pick(['STOP', 'stop all', '\u202EPOTS', '🙂'.repeat(800), ''])], ['MessageSid', someSid]],
				[['From', '+15557650003'], ['Body', 'HELP'], ['NumMedia', '-1'], ['MediaUrl0', 'javascript:alert(1)'], ['MessageSid', someSid]],
				[['AccountSid', 'AC' + 'f'.repeat(32)], ['SmsStatus', 'delivered'], ['SmsSid', someSid]]
			]);
			const raw = encode(params);
			return { route, kind: 'odd params', body: raw, contentType: form, signOver: raw };
		}
		case 6: {
			// Forged or mangled signatures.
			const raw = encode([['MessageSid', sid(Math.floor(rand() * VALID))], ['MessageStatus', 'failed'], ['From', '+15557650004'], ['Body', 'STOP']]);
			return { route, kind: 'bad signature', body: raw, contentType: form, signature: pick(['', 'x', 'A'.repeat(10_000), '=====', 'x y', signTwilioRequest({ authToken: 'wrong', url: `${PUBLIC}${ROUTES[route]}`, params: formParams(raw) })]) };
		}
		case 7: {
			// Streamed (chunked) random data with no declared length.
			return { route, kind: 'stream', body: bytes(100 + Math.floor(rand() * 100_000)), contentType: form, stream: true, signOver: '' };
		}
		case 8: {
			// Empty and whitespace bodies.
			const raw = pick(['', ' ', '&&&', '=', '==&==', '\r\n\r\n']);
			return { route, kind: 'empty', body: raw, contentType: pick([form, null]), signOver: raw };
		}
		default: {
			// Deep or repeated structure in values.
			const raw = encode([['MessageSid', someSid], ['MessageStatus', 'delivered'], ['ErrorMessage', '['.repeat(5000)], ['Body', '%'.repeat(3000)]]);
			return { route, kind: 'nested', body: raw, contentType: form, signOver: raw };
		}
	}
}

function send(c: Case): Promise<Response> {
	const path = ROUTES[c.route];
	const url = new URL(`http://127.0.0.1:3000${path}`);
	const headers: Record<string, string> = {};
	if (c.contentType) headers['content-type'] = c.contentType;
	if (c.signature !== undefined) headers['x-twilio-signature'] = c.signature;
	else if (c.signOver !== undefined) headers['x-twilio-signature'] = signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${path}`, params: formParams(c.signOver) });
	let body: BodyInit = c.body;
	if (c.stream) {
		const all = typeof c.body === 'string' ? new TextEncoder().encode(c.body) : (c.body as Uint8Array);
		body = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let at = 0; at < all.length; at += 16_384) controller.enqueue(all.slice(at, at + 16_384));
				controller.close();
			}
		});
	}
	const request = new Request(url, { method: 'POST', headers, body, ...(c.stream ? { duplex: 'half' } : {}) } as RequestInit);
	const req = { request, url, clientAddress: '203.0.113.66' };
	return c.route === 'status' ? handleStatusCallback(ctx, req) : handleIncomingText(ctx, req);
}

function validStatus(n: number): Case {
	const raw = encode([['MessageSid', sid(n)], ['MessageStatus', 'delivered'], ['Price', '-0.00790'], ['PriceUnit', 'USD']]);
	return { route: 'status', kind: 'valid status', body: raw, contentType: 'application/x-www-form-urlencoded', signOver: raw };
}

function validInbound(n: number): Case {
	const raw = encode([['MessageSid', `SM${n.toString(16).padStart(32, 'e')}`], ['From', `+1555766${String(n).padStart(4, '0')}`], ['To', '+15005550006'], ['Body', `hello ${n}`]]);
	return { route: 'incoming', kind: 'valid inbound', body: raw, contentType: 'application/x-www-form-urlencoded', signOver: raw };
}

describe(`${HOSTILE} hostile webhook bodies`, () => {
	it('never answer 5xx, and the valid reports among them are all applied', async () => {
		const seed = Number(process.env.HOSTILE_SEED ?? Date.now() % 1_000_000);
		const rand = random(seed);
		const cases: Case[] = Array.from({ length: HOSTILE }, (_, i) => hostileCase(i, rand));
		// The valid ones spread through the hostile ones, so they share batches with them.
		for (let n = 0; n < VALID; n++) cases.splice(n * 21 + 3, 0, validStatus(n));
		for (let n = 0; n < 20; n++) cases.splice(n * 100 + 50, 0, validInbound(n));

		const started = Date.now();
		const answers: { c: Case; status: number }[] = [];
		for (let at = 0; at < cases.length; at += 50) {
			const batch = cases.slice(at, at + 50);
			const statuses = await Promise.all(batch.map((c) => send(c).then((r) => r.status, (e: unknown) => `threw ${String(e)}`)));
			batch.forEach((c, k) => answers.push({ c, status: typeof statuses[k] === 'number' ? statuses[k] : 599 }));
		}

		const bad = answers.filter((a) => a.status >= 500).map((a) => ({ route: a.c.route, kind: a.c.kind, status: a.status }));
		expect(bad, `seed ${seed}`).toEqual([]);
		expect(answers.filter((a) => a.c.kind.startsWith('valid')).every((a) => a.status === 200), `seed ${seed}`).toBe(true);
		// Every kind really was refused or kept, not just swallowed: refusals are 4xx.
		const byKind = new Map<string, Set<number>>();
		for (const a of answers) byKind.set(a.c.kind, (byKind.get(a.c.kind) ?? new Set()).add(a.status));
		expect([...byKind.get('bad signature')!]).toEqual([403]);
		expect(byKind.get('huge field')!.has(413)).toBe(true);

		const [{ delivered }] = await t.sql<{ delivered: number }[]>`
			select count(*)::int as delivered from public.sms_messages
			where twilio_sid = any(${Array.from({ length: VALID }, (_, n) => sid(n))}::text[]) and status = 'delivered' and price = -0.0079`;
		expect(delivered).toBe(VALID);
		const [{ inbound }] = await t.sql<{ inbound: number }[]>`
			select count(*)::int as inbound from public.sms_messages where direction = 'inbound' and message_content like 'hello %'`;
		expect(inbound).toBe(20);
		console.info(`hostile webhooks: seed ${seed}, ${cases.length} requests in ${Date.now() - started} ms`);
	}, 120_000);
});
