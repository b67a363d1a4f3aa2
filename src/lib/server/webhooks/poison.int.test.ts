import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { formParams, signTwilioRequest } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookContext } from './context.ts';
import { handleStatusCallback } from './status-callback.ts';
import { sealedPhone } from '@sms/db/testing';

/** A number's four sealed columns (enc, hash, last4, calling_code), as SQL parameters. */
const sealedValues = (e164: string) => {
	const p = sealedPhone(e164);
	return t.sql`${p.enc}::text, ${p.hash}::text, ${p.last4}::text, ${p.calling_code}::text`;
};

const TOKEN = 'test-auth-token-0123456789';
const PUBLIC = 'https://sms.example.com';
const PATH = '/api/webhooks/twilio/status';
const sid = (n: number) => `SM${n.toString(16).padStart(32, 'c')}`;

let t: TestDatabase;
let ctx: WebhookContext;

/** A status callback signed as Twilio signs it; `rawBody` lets a test send bytes URLSearchParams would not. */
function callback(rawBody: string) {
	const url = new URL(`http://127.0.0.1:3000${PATH}`);
	const signature = signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC}${PATH}`, params: formParams(rawBody) });
	const request = new Request(url, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
		body: rawBody
	});
	return handleStatusCallback(ctx, { request, url, clientAddress: '203.0.113.9' });
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

beforeAll(async () => {
	t = await createTestDatabase();
	ctx = { db: t.db, authToken: TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }) } as WebhookContext;
	const userId = await createUser(t.sql);
	for (let n = 0; n < 105; n++) {
		await t.sql`
			insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
			values (${userId}, ${sealedValues('+15551230001')}, ${`text ${n}`}, 'queued', ${sid(n)})`;
	}
});
afterAll(() => t?.close());

describe('one poisonous report cannot fail the reports written with it', () => {
	it('100 valid reports with 5 poisonous ones in the same batches: every valid one 200 and applied, no 503', async () => {
		const poisonous = [
			form({ MessageSid: sid(100), MessageStatus: 'delivered', Price: '-999999.99999', PriceUnit: 'USD' }), // overflows numeric(10,5)
			form({ MessageSid: sid(101), MessageStatus: 'undelivered', ErrorCode: '30003', ErrorMessage: 'bad\u0000byte' }),
			`MessageSid=${sid(102)}&MessageStatus=delivered&ErrorMessage=%FF%FE%C3%28&Extra=%ED%A0%80`, // invalid UTF-8
			form({ MessageSid: sid(103), MessageStatus: 'sent', ['Weird\u0000Key']: 'x' }),
			form({ MessageSid: sid(104), MessageStatus: 'delivered', ErrorCode: '99999999999' }) // overflows integer
		];
		const valid = Array.from({ length: 100 }, (_, n) => form({ MessageSid: sid(n), MessageStatus: 'delivered', Price: '-0.00790', PriceUnit: 'USD' }));
		// Interleaved and all at once, so they share StatusWriter batches.
		const bodies = [...valid];
		poisonous.forEach((p, i) => bodies.splice(i * 20 + 7, 0, p));
		const answers = await Promise.all(bodies.map((b) => callback(b).then((r) => ({ body: b, status: r.status }))));

		expect(answers.filter((a) => a.status >= 500)).toEqual([]);
		expect(answers.filter((a) => valid.includes(a.body)).every((a) => a.status === 200)).toBe(true);
		const delivered = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.sms_messages
			where twilio_sid = any(${valid.map((_, n) => sid(n))}::text[]) and status = 'delivered' and price is not null`;
		expect(delivered[0]!.n).toBe(100);

		// The poisonous ones: kept, made storable (200), or refused as malformed (400) — never 5xx.
		const poisonAnswers = answers.filter((a) => poisonous.includes(a.body)).map((a) => a.status);
		expect(poisonAnswers).toEqual([200, 200, 200, 200, 400]);
		const kept = await t.sql<{ twilio_sid: string; price: string | null; error_message: string | null; payload: Record<string, string> }[]>`
			select twilio_sid, price::text, error_message, payload from public.sms_delivery_events
			where twilio_sid = any(${[sid(100), sid(101), sid(102), sid(103)]}::text[]) order by twilio_sid`;
		expect(kept.map((k) => k.twilio_sid)).toEqual([sid(100), sid(101), sid(102), sid(103)]);
		expect(kept[0]!.price).toBeNull(); // unstorable price dropped, report kept
		expect(kept[0]!.payload.Price).toBe('-999999.99999');
		expect(kept[1]!.error_message).toBe('bad\uFFFDbyte');
		expect(kept[2]!.error_message).toContain('\uFFFD');
		expect(Object.keys(kept[3]!.payload)).toContain('Weird\uFFFDKey');
	});
});
