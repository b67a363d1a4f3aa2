import { createHmac } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { connect, phoneColumns, type Sql } from './support/db.ts';

/**
 * POST /api/webhooks/sms against the production build: both HTTP providers' delivery reports
 * valid, tampered, unsigned while a secret is set, replayed, out of order, duplicated, early,
 * with an unknown status, and garbage → the stored state and the HTTP answer.
 */
const PATH = '/api/webhooks/sms';
const RETAIL_SECRET = 'e2e-retail-whsec';
const TELECOM_SECRET = 'e2e-telecom-whsec';
const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

let sql: Sql;
let org: string;
let user: string;
let seq = Math.floor(Date.now() / 1000) % 100_000;

test.beforeAll(async () => {
	sql = connect();
	const slug = `prov-e2e-${Date.now().toString(36)}`;
	[{ id: org }] = await sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, 'Provider hooks') returning id`;
	[{ id: user }] = await sql<{ id: string }[]>`
		insert into auth.users (email, email_confirmed_at) values (${`${slug}@example.com`}, now()) returning id`;
	for (const [provider, position, secret] of [['sms-retail', 1, RETAIL_SECRET], ['23telecom', 2, TELECOM_SECRET]] as const) {
		await sql`insert into public.workspace_providers (organization_id, provider, position, base_url)
		          values (${org}, ${provider}, ${position}, 'https://provider.example')`;
		await sql`insert into public.workspace_provider_secrets (provider_id, webhook_secret)
		          select id, ${secret} from public.workspace_providers where organization_id = ${org} and provider = ${provider}`;
	}
});
test.afterAll(async () => {
	await sql.end();
});

/** A text in the test workspace, dispatched through `provider`; the reference attached unless early. */
async function text(provider: 'sms-retail' | '23telecom', reference: string, attach = true): Promise<string> {
	const p = phoneColumns('+15551230000');
	const [{ id }] = await sql<{ id: string }[]>`
		insert into public.sms_messages (user_id, organization_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status)
		values (${user}, ${org}, ${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}, 'Provider e2e', 'dispatching') returning id`;
	if (attach) await attachRef(id, provider, reference);
	return id;
}
async function attachRef(id: string, provider: string, reference: string) {
	const [{ r }] = await sql<{ r: { replayed: number; status: string } }[]>`
		select public.attach_provider_reference(${id}, ${provider}, ${reference}, ${provider === 'sms-retail' ? 'queued' : 'PENDING'}, 'queued', 1) as r`;
	return r;
}
const status = async (id: string) => (await sql<{ status: string }[]>`select status from public.sms_messages where id = ${id}`)[0].status;
const events = (provider: string, ref: string) =>
	sql<{ raw_status: string; status: string | null; applied: boolean; message_id: string | null }[]>`
		select raw_status, status, applied, message_id from public.sms_delivery_events
		where provider = ${provider} and provider_reference = ${ref} and source = 'webhook' order by id`;
const rejected = async (provider: string, ref: string) =>
	(await sql<{ n: number }[]>`select count(*)::int as n from public.sms_webhook_rejections where provider = ${provider} and reference = ${ref}`)[0].n;

function retail(request: APIRequestContext, body: object, sign: 'ok' | 'tampered' | 'none' = 'ok') {
	const raw = JSON.stringify(body);
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (sign === 'ok') headers['x-signature'] = hmac(RETAIL_SECRET, raw);
	if (sign === 'tampered') headers['x-signature'] = hmac(RETAIL_SECRET, raw.replace('"delivered"', '"failed"'));
	return request.post(PATH, { data: raw, headers });
}
function telecom(request: APIRequestContext, body: object, options: { sign?: 'ok' | 'tampered' | 'none'; ageSeconds?: number } = {}) {
	const raw = JSON.stringify(body);
	const ts = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	const sign = options.sign ?? 'ok';
	let url = PATH;
	if (sign !== 'none') {
		url = `${PATH}?token=${TELECOM_SECRET}`;
		headers['x-webhook-timestamp'] = ts;
		headers['x-webhook-signature'] = `sha256=${hmac(TELECOM_SECRET, `${ts}.${sign === 'ok' ? raw : `${raw} `}`)}`;
	}
	return request.post(url, { data: raw, headers });
}
const nextRef = () => String(9_000_000 + seq++);
const nextUuid = () => `e2e0${(seq++).toString(16).padStart(4, '0')}-0000-4000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;

test.describe('sms-retail reports', () => {
	test('valid, duplicated and out of order: applied once, never backwards, every report kept', async ({ request }) => {
		const ref = nextRef();
		const id = await text('sms-retail', ref);
		for (const s of ['delivered', 'delivered', 'sent']) {
			const res = await retail(request, { id: Number(ref), status: s, to: '+15551230000' });
			expect(res.status()).toBe(200);
		}
		expect(await status(id)).toBe('delivered');
		expect((await events('sms-retail', ref)).map((e) => [e.raw_status, e.applied])).toEqual([
			['delivered', true],
			['delivered', false],
			['sent', false]
		]);
	});

	test('tampered or unsigned while a secret is set: 200, nothing applied, a rejection kept', async ({ request }) => {
		const ref = nextRef();
		const id = await text('sms-retail', ref);
		expect((await retail(request, { id: Number(ref), status: 'delivered' }, 'tampered')).status()).toBe(200);
		expect((await retail(request, { id: Number(ref), status: 'delivered' }, 'none')).status()).toBe(200);
		expect(await status(id)).toBe('queued');
		expect(await events('sms-retail', ref)).toEqual([]);
		expect(await rejected('sms-retail', ref)).toBe(2);
	});

	test('early (before the reference is stored): kept, then applied when it is attached', async ({ request }) => {
		const ref = nextRef();
		const id = await text('sms-retail', ref, false);
		expect((await retail(request, { id: Number(ref), status: 'delivered' })).status()).toBe(200);
		expect(await events('sms-retail', ref)).toMatchObject([{ message_id: null, applied: false }]);
		expect(await attachRef(id, 'sms-retail', ref)).toMatchObject({ replayed: 1, status: 'delivered' });
		expect(await status(id)).toBe('delivered');
	});

	test('an unknown status is kept with its raw word and changes nothing', async ({ request }) => {
		const ref = nextRef();
		const id = await text('sms-retail', ref);
		expect((await retail(request, { id: Number(ref), status: 'on_hold' })).status()).toBe(200);
		expect(await status(id)).toBe('queued');
		expect(await events('sms-retail', ref)).toMatchObject([{ raw_status: 'on_hold', status: null, applied: false }]);
	});
});

test.describe('23telecom reports', () => {
	test('valid with token and signature: applied; a duplicate and a late SENT change nothing', async ({ request }) => {
		const ref = nextUuid();
		const id = await text('23telecom', ref);
		for (const s of ['DELIVRD', 'DELIVRD', 'SENT']) {
			expect((await telecom(request, { messageId: ref, status: s, destination: '+15551230000' })).status()).toBe(200);
		}
		expect(await status(id)).toBe('delivered');
		expect((await events('23telecom', ref)).map((e) => [e.raw_status, e.applied])).toEqual([
			['DELIVRD', true],
			['DELIVRD', false],
			['SENT', false]
		]);
	});

	test('tampered, unsigned, and replayed after 5 minutes: 200, nothing applied, rejections kept', async ({ request }) => {
		const ref = nextUuid();
		const id = await text('23telecom', ref);
		const body = { messageId: ref, status: 'DELIVRD' };
		expect((await telecom(request, body, { sign: 'tampered' })).status()).toBe(200);
		expect((await telecom(request, body, { sign: 'none' })).status()).toBe(200);
		expect((await telecom(request, body, { ageSeconds: 6 * 60 })).status()).toBe(200);
		expect(await status(id)).toBe('queued');
		expect(await events('23telecom', ref)).toEqual([]);
		expect(await rejected('23telecom', ref)).toBe(3);
	});

	test('early UNDELIV: kept, applied on attach, shown as undelivered', async ({ request }) => {
		const ref = nextUuid();
		const id = await text('23telecom', ref, false);
		expect((await telecom(request, { messageId: ref, status: 'UNDELIV', error_code: '0x45' })).status()).toBe(200);
		expect(await attachRef(id, '23telecom', ref)).toMatchObject({ replayed: 1, status: 'undelivered' });
	});
});

test.describe('garbage', () => {
	test('non-JSON is 400, over 64 KB is 413, an unknown shape is kept as unmatched with 200; never a 500', async ({ request }) => {
		const bad = await request.post(PATH, { data: 'id=1&status=delivered', headers: { 'content-type': 'application/json' } });
		expect(bad.status()).toBe(400);
		const big = await request.post(PATH, { data: JSON.stringify({ id: 1, pad: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
		expect(big.status()).toBe(413);
		const marker = `e2e-unknown-${Date.now()}`;
		const unknown = await request.post(PATH, { data: JSON.stringify({ foo: marker }), headers: { 'content-type': 'application/json' } });
		expect(unknown.status()).toBe(200);
		const [{ n }] = await sql<{ n: number }[]>`
			select count(*)::int as n from public.sms_delivery_events where message_id is null and payload->>'foo' = ${marker}`;
		expect(n).toBe(1);
	});
});
