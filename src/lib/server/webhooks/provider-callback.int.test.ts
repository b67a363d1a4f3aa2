// POST /api/webhooks/sms against a real database: each provider's reports valid, tampered,
// unsigned while a secret is set, replayed, out of order, duplicated, early, unknown status,
// garbage — the stored state and the HTTP answer.
import { createHmac } from 'node:crypto';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { createDb, openPayload, phoneCipher } from '@sms/db';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleProviderCallback, type ProviderWebhookContext } from './provider-callback.ts';
import { sealedPhoneText } from '@sms/db/testing';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const RETAIL_SECRET = 'retail-whsec';
const TELECOM_SECRET = 'telecom-whsec';

let t: TestDatabase;
let ctx: ProviderWebhookContext;
let org: string;
let userId: string;
let counter = 0;

const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

beforeAll(async () => {
	t = await createTestDatabase();
	userId = await createUser(t.sql);
	await t.sql`select public.set_verified_phone(${userId}, ${sealedPhoneText('+14155550199')}::public.sealed_phone)`;
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('prov-hook', 'Hook') returning id`;
	org = o!.id;
	await t.sql`select public.add_organization_member(${org}, ${userId}, 'owner')`;
	ctx = { db: t.db, log: pino({ level: 'silent' }), now: () => NOW };
});
afterAll(async () => t?.close());

async function setSecret(provider: 'sms-retail' | '23telecom', secret: string | null): Promise<void> {
	await t.sql`
		insert into public.workspace_providers (organization_id, provider, position, base_url)
		values (${org}, ${provider}, ${provider === 'sms-retail' ? 1 : 2}, 'https://p.example')
		on conflict (organization_id, provider) do nothing`;
	await t.sql`
		insert into public.workspace_provider_secrets (provider_id, webhook_secret)
		select id, ${secret} from public.workspace_providers where organization_id = ${org} and provider = ${provider}
		on conflict (provider_id) do update set webhook_secret = excluded.webhook_secret`;
}

/** A text dispatched through `provider` whose reference is stored (or not yet: early reports). */
async function text(provider: 'sms-retail' | '23telecom', reference: string, attach = true): Promise<string> {
	counter += 1;
	const [row] = await t.sql<{ id: string }[]>`
		select public.queue_sms_message(${userId}, null, ${`Hello ${counter}`}, p_organization_id => ${org}) as id`;
	const id = row!.id;
	await t.sql`select public.mark_sms_dispatching(${id})`;
	if (attach) await attachRef(id, provider, reference);
	return id;
}

async function attachRef(id: string, provider: string, reference: string) {
	const raw = provider === 'sms-retail' ? 'queued' : 'PENDING';
	const [r] = await t.sql<{ r: { replayed: number; status: string } }[]>`
		select public.attach_provider_reference(${id}, ${provider}, ${reference}, ${raw}, 'queued', 1) as r`;
	return r!.r;
}

async function state(id: string) {
	const [m] = await t.sql<{ status: string; price: string | null; segments: number | null; status_reason: string | null }[]>`
		select status, price::text, segments, status_reason from public.sms_messages where id = ${id}`;
	return m!;
}

async function events(provider: string, reference: string) {
	return t.sql<{ raw_status: string; status: string | null; applied: boolean; message_id: string | null; sender_ip: string | null }[]>`
		select raw_status, status, applied, message_id, host(sender_ip) as sender_ip from public.sms_delivery_events
		where provider = ${provider} and provider_reference = ${reference} and source = 'webhook' order by id`;
}

function post(options: { body: string; headers?: Record<string, string>; query?: string; contentType?: string }) {
	const url = new URL(`http://127.0.0.1:3000/api/webhooks/sms${options.query ? `?${options.query}` : ''}`);
	const request = new Request(url, {
		method: 'POST',
		headers: { 'content-type': options.contentType ?? 'application/json', ...options.headers },
		body: options.body
	});
	return handleProviderCallback(ctx, { request, url, clientAddress: '198.51.100.4' });
}

function retail(body: Record<string, unknown>, secret: string | null = RETAIL_SECRET) {
	const raw = JSON.stringify(body);
	return post({ body: raw, headers: secret ? { 'x-signature': hmac(secret, raw) } : {} });
}

function telecom(body: Record<string, unknown>, options: { secret?: string | null; token?: string; ageMs?: number } = {}) {
	const raw = JSON.stringify(body);
	const secret = options.secret === undefined ? TELECOM_SECRET : options.secret;
	if (!secret) return post({ body: raw });
	const ts = String(Math.floor((NOW - (options.ageMs ?? 0)) / 1000));
	return post({
		body: raw,
		query: `token=${encodeURIComponent(options.token ?? secret)}`,
		headers: { 'x-webhook-timestamp': ts, 'x-webhook-signature': `sha256=${hmac(secret, `${ts}.${raw}`)}` }
	});
}

async function rejections(provider: string): Promise<number> {
	const [r] = await t.sql<{ n: number }[]>`select coalesce(sum(count), 0)::int as n from public.sms_webhook_rejection_counts where provider = ${provider}`;
	return r!.n;
}

describe('sms-retail callbacks', () => {
	beforeAll(() => setSecret('sms-retail', RETAIL_SECRET));

	it('applies a signed report, keeps raw status, body and sender IP, answers 200', async () => {
		const id = await text('sms-retail', '700001');
		const res = await retail({ id: 700001, status: 'delivered', to: '+15551230000' });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ success: true });
		expect((await state(id)).status).toBe('delivered');
		const [kept] = await t.sql`select payload from public.sms_delivery_events where provider_reference = '700001' and source = 'webhook'`;
		// The number is kept sealed (and opens to what the provider sent).
		expect(JSON.stringify(kept?.payload)).not.toContain('5551230000');
		expect(openPayload(phoneCipher(), kept?.payload)).toEqual({ id: 700001, status: 'delivered', to: '+15551230000' });
		expect(await events('sms-retail', '700001')).toEqual([
			{ raw_status: 'delivered', status: 'delivered', applied: true, message_id: id, sender_ip: '198.51.100.4' }
		]);
	});

	it.each([
		['tampered', (b: Record<string, unknown>) => post({ body: JSON.stringify({ ...b, status: 'delivered' }), headers: { 'x-signature': hmac(RETAIL_SECRET, JSON.stringify(b)) } })],
		['unsigned while a secret is set', (b: Record<string, unknown>) => retail(b, null)],
		['signed with another secret', (b: Record<string, unknown>) => retail(b, 'guess')]
	])('a %s report: 200, nothing stored but a counter and a rejected row', async (_name, send) => {
		const ref = String(710000 + counter);
		const id = await text('sms-retail', ref);
		const before = await rejections('sms-retail');
		const res = await send({ id: Number(ref), status: 'failed' });
		expect(res.status).toBe(200);
		expect((await state(id)).status).toBe('queued');
		expect(await events('sms-retail', ref)).toEqual([]);
		expect(await rejections('sms-retail')).toBe(before + 1);
		const [row] = await t.sql`select reference, host(sender_ip) as ip from public.sms_webhook_rejections where reference = ${ref}`;
		expect(row).toEqual({ reference: ref, ip: '198.51.100.4' });
	});

	it('duplicated and out-of-order reports never move a text backwards', async () => {
		const id = await text('sms-retail', '720001');
		await retail({ id: 720001, status: 'delivered' });
		await retail({ id: 720001, status: 'delivered' });
		await retail({ id: 720001, status: 'sent' });
		expect((await state(id)).status).toBe('delivered');
		expect((await events('sms-retail', '720001')).map((e) => [e.raw_status, e.applied])).toEqual([
			['delivered', true],
			['delivered', false],
			['sent', false]
		]);
	});

	it('keeps undelivered apart from failed, with the reason', async () => {
		const id = await text('sms-retail', '730001');
		await retail({ id: 730001, status: 'undelivered', error_code: 'handset_unreachable' });
		expect(await state(id)).toMatchObject({ status: 'undelivered', status_reason: 'sms-retail reported undelivered (handset_unreachable)' });
	});

	it('stores an unknown status with its raw word and changes nothing', async () => {
		const id = await text('sms-retail', '740001');
		await retail({ id: 740001, status: 'on_hold' });
		expect((await state(id)).status).toBe('queued');
		expect(await events('sms-retail', '740001')).toMatchObject([{ raw_status: 'on_hold', status: null, applied: false }]);
	});

	it('keeps an early report and applies it when the reference is attached', async () => {
		const id = await text('sms-retail', '750001', false);
		const res = await retail({ id: 750001, status: 'sent' });
		expect(res.status).toBe(200);
		expect(await events('sms-retail', '750001')).toMatchObject([{ message_id: null, applied: false }]);
		await retail({ id: 750001, status: 'delivered' });
		const attached = await attachRef(id, 'sms-retail', '750001');
		expect(attached).toMatchObject({ replayed: 2, status: 'delivered' });
		expect((await events('sms-retail', '750001')).map((e) => [e.message_id, e.applied])).toEqual([
			[id, true],
			[id, true]
		]);
	});
});

describe('23telecom callbacks', () => {
	beforeAll(() => setSecret('23telecom', TELECOM_SECRET));

	it('applies a signed report with cost and num_parts as price and segments', async () => {
		const id = await text('23telecom', 'tc-1');
		const res = await telecom({ messageId: 'tc-1', status: 'DELIVRD', cost: '0.0240', currency: 'EUR', num_parts: 2 });
		expect(res.status).toBe(200);
		expect(await state(id)).toMatchObject({ status: 'delivered', price: '0.02400', segments: 2 });
	});

	it.each([
		['a wrong token', { token: 'nope' }],
		['no signature at all', { secret: null }],
		['a replay older than 5 minutes', { ageMs: 6 * 60_000 }]
	])('refuses %s: 200, nothing applied, counted', async (_name, variant) => {
		const ref = `tc-r-${counter}`;
		const id = await text('23telecom', ref);
		const before = await rejections('23telecom');
		const res = await telecom({ messageId: ref, status: 'UNDELIV' }, variant);
		expect(res.status).toBe(200);
		expect((await state(id)).status).toBe('queued');
		expect(await events('23telecom', ref)).toEqual([]);
		expect(await rejections('23telecom')).toBe(before + 1);
	});

	it('normalises REJECTD and EXPIRED to failed and message_id bodies to 23telecom', async () => {
		const a = await text('23telecom', 'tc-2');
		const b = await text('23telecom', 'tc-3');
		await telecom({ messageId: 'tc-2', status: 'REJECTD' });
		await telecom({ message_id: 'tc-3', status: 'EXPIRED' });
		expect((await state(a)).status).toBe('failed');
		expect((await state(b)).status).toBe('failed');
	});
});

describe('anything else', () => {
	it('keeps a body of unknown shape as an unmatched event and answers 200', async () => {
		const res = await post({ body: JSON.stringify({ foo: 'bar', ref: 'x-1' }) });
		expect(res.status).toBe(200);
		const [event] = await t.sql`select provider, message_id, payload, host(sender_ip) as ip from public.sms_delivery_events where payload ->> 'ref' = 'x-1'`;
		expect(event).toEqual({ provider: null, message_id: null, payload: { foo: 'bar', ref: 'x-1' }, ip: '198.51.100.4' });
	});

	it.each([
		['not JSON', 'MessageSid=SM1&MessageStatus=delivered'],
		['a JSON array', '[{"id":1}]'],
		['empty', '']
	])('answers 400 for %s', async (_name, body) => {
		const res = await post({ body, contentType: 'application/x-www-form-urlencoded' });
		expect(res.status).toBe(400);
	});

	it('answers 413 above 64 KB', async () => {
		const res = await post({ body: JSON.stringify({ id: 1, status: 'sent', pad: 'x'.repeat(70_000) }) });
		expect(res.status).toBe(413);
	});

	it('answers 503 when nothing could be stored, so the provider retries', async () => {
		// The database is down: nothing listens where it should be.
		const down = createDb({ url: 'postgres://postgres@127.0.0.1:1/sms', max: 1 });
		const res = await handleProviderCallback(
			{ db: down, log: pino({ level: 'silent' }), now: () => NOW },
			{
				request: new Request('http://127.0.0.1/api/webhooks/sms', { method: 'POST', body: '{"id":1,"status":"sent"}' }),
				url: new URL('http://127.0.0.1/api/webhooks/sms'),
				clientAddress: null
			}
		);
		expect(res.status).toBe(503);
		await down.end();
	});
});
