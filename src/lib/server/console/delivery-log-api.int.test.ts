/**
 * GET /api/sms-delivery-log and /api/sms-delivery-log/[messageId] against a real database, as
 * members through RLS: every parameter (pagination arithmetic, filters, bounds, 400s naming
 * the parameter), cross-workspace 404s; and the delivery log page's summary and search.
 */
import { phoneCipher, sealPayload } from '@sms/db';
import { createTestDatabase, createUser, phoneColumns, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryLogList, deliveryLogMessage } from './delivery-log-api.ts';
import { parseDeliveryLogFilters } from './delivery-log-filters.ts';
import { deliveryLogSummary, eventsOfMessages, listDeliveryEvents } from './delivery-log.ts';

let t: TestDatabase;
let orgA: string;
let orgB: string;
let viewer: string;
let operator: string;
let outsider: string;
let user: string;
let ann: string;
const msg: Record<string, string> = {};
const ev: Record<string, string> = {};
const claims = (sub: string) => ({ sub, role: 'authenticated' as const });
/** A number's four sealed columns, as values for `(…, phone_enc, phone_hash, phone_last4, calling_code, …)`. */
const ph = (e164: string) => {
	const p = phoneColumns(e164);
	return t.sql`${p.phone_enc}, ${p.phone_hash}, ${p.phone_last4}, ${p.calling_code}`;
};

async function text(label: string, org: string, to: { contact?: string; user?: string }, phone: string, status: string, provider: string, ref: string) {
	const [m] = await t.sql<{ id: string }[]>`
		insert into public.sms_messages (organization_id, contact_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, provider_reference, created_at, delivered_at)
		values (${org}, ${to.contact ?? null}, ${to.user ?? null}, ${ph(phone)}, ${label}, ${status}, ${provider}, ${ref}, '2026-11-20T09:00:00Z',
			${status === 'delivered' ? '2026-11-20T10:00:30Z' : null}) returning id`;
	msg[label] = m!.id;
}

async function event(label: string, message: string, status: string, at: string, provider: string, ip: string | null = '203.0.113.9') {
	const [e] = await t.sql<{ id: string }[]>`
		insert into public.sms_delivery_events (message_id, provider, provider_reference, raw_status, status, source, sender_ip, payload, received_at)
		values (${msg[message]!}, ${provider}, (select provider_reference from public.sms_messages where id = ${msg[message]!}),
			${status.toUpperCase()}, ${status}, 'webhook', ${ip}, ${t.sql.json({ status: status.toUpperCase(), label })}, ${at})
		returning id::text as id`;
	ev[label] = e!.id;
}

const get = async (params: Record<string, string>, who: string | null = viewer) => {
	const url = new URL(`http://127.0.0.1/api/sms-delivery-log?${new URLSearchParams(params)}`);
	const res = await deliveryLogList(t.db, who ? claims(who) : null, url);
	return { status: res.status, body: await res.json() };
};
const list = (params: Record<string, string>) => get({ workspace: 'log-a', ...params });
const labels = (body: { data: { id: string }[] }) => body.data.map((d) => Object.keys(ev).find((k) => ev[k] === d.id));
const detail = async (id: string, who: string | null = viewer, workspace = 'log-a') => {
	const res = await deliveryLogMessage(t.db, who ? claims(who) : null, new URL(`http://127.0.0.1/api/sms-delivery-log/${id}?workspace=${workspace}`), id);
	return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
	t = await createTestDatabase();
	viewer = await createUser(t.sql);
	outsider = await createUser(t.sql);
	user = await createUser(t.sql, { email: 'sam@example.com' });
	operator = await createUser(t.sql);
	for (const [slug, owner] of [['log-a', viewer], ['log-b', outsider]] as const) {
		const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values (${slug}, ${slug}) returning id`;
		await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${o!.id}, ${owner}, ${slug === 'log-a' ? 'viewer' : 'owner'})`;
		if (slug === 'log-a') orgA = o!.id;
		else orgB = o!.id;
	}
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${orgA}, ${operator}, 'operator')`;
	const [a] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${orgA}, 'Ann Lee', ${ph('+14155550123')}) returning id`;
	ann = a!.id;
	const [b] = await t.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${orgB}, 'Bob Other', ${ph('+14155550123')}) returning id`;
	await text('annOk', orgA, { contact: ann }, '+14155550123', 'delivered', 'twilio', 'SM0001');
	await text('annBad', orgA, { contact: ann }, '+14155550123', 'undelivered', 'sms-retail', 'SR0002');
	await text('sam', orgA, { user }, '+14155559876', 'sent', 'twilio', 'SM0003');
	await text('other', orgB, { contact: b!.id }, '+14155550123', 'delivered', 'twilio', 'SM0004');
	await event('okSent', 'annOk', 'sent', '2026-11-20T10:00:00Z', 'twilio');
	await event('okDelivered', 'annOk', 'delivered', '2026-11-20T10:00:30Z', 'twilio');
	await event('badSent', 'annBad', 'sent', '2026-11-21T10:00:00Z', 'sms-retail', null);
	await event('badUndelivered', 'annBad', 'undelivered', '2026-11-21T10:01:00Z', 'sms-retail');
	await event('samSent', 'sam', 'sent', '2026-11-22T10:00:00Z', 'twilio');
	await event('otherDelivered', 'other', 'delivered', '2026-11-22T11:00:00Z', 'twilio');
});
afterAll(async () => t?.close());

describe('GET /api/sms-delivery-log', () => {
	it("lists the workspace's events newest first in the documented shape, with the default page and limit", async () => {
		const { status, body } = await list({});
		expect(status).toBe(200);
		expect(labels(body)).toEqual(['samSent', 'badUndelivered', 'badSent', 'okDelivered', 'okSent']);
		expect(body.pagination).toEqual({ page: 1, limit: 50, total: 5, totalPages: 1 });
		expect(body.data[1]).toEqual({
			id: ev.badUndelivered, messageId: msg.annBad, providerRef: 'SR0002', provider: 'sms-retail', status: 'undelivered',
			rawStatus: 'UNDELIVERED', receivedAt: '2026-11-21T10:01:00.000000Z', ip: '203.0.113.9',
			recipient: { id: ann, name: 'Ann Lee', phone: '•••• 0123' }
		});
		expect(body.data[0].recipient).toEqual({ id: user, name: 'sam@example.com', phone: '•••• 9876' });
		// Numbers in full for operators and up only.
		const asOperator = (await get({ workspace: 'log-a' }, operator)).body;
		expect(asOperator.data[0].recipient).toEqual({ id: user, name: 'sam@example.com', phone: '+14155559876' });
	});

	it('pages: page and limit arithmetic, a page past the end is empty, pages join up without gaps', async () => {
		const pages = await Promise.all([1, 2, 3, 4].map((page) => list({ limit: '2', page: String(page) })));
		expect(pages.map((p) => p.body.pagination)).toEqual([1, 2, 3, 4].map((page) => ({ page, limit: 2, total: 5, totalPages: 3 })));
		expect(pages.map((p) => p.body.data.length)).toEqual([2, 2, 1, 0]);
		expect(pages.flatMap((p) => labels(p.body))).toEqual(['samSent', 'badUndelivered', 'badSent', 'okDelivered', 'okSent']);
		expect((await list({ limit: '100' })).body.pagination.limit).toBe(100);
		expect((await list({ limit: '1' })).body.pagination).toEqual({ page: 1, limit: 1, total: 5, totalPages: 5 });
	});

	it('filters by status, provider, dates (UTC days, to inclusive), providerRef and recipientId', async () => {
		expect(labels((await list({ status: 'sent' })).body)).toEqual(['samSent', 'badSent', 'okSent']);
		expect(labels((await list({ status: 'delivered' })).body)).toEqual(['okDelivered']);
		expect(labels((await list({ provider: 'sms-retail' })).body)).toEqual(['badUndelivered', 'badSent']);
		expect(labels((await list({ from: '2026-11-21', to: '2026-11-21' })).body)).toEqual(['badUndelivered', 'badSent']);
		expect(labels((await list({ from: '2026-11-21T10:00:30Z' })).body)).toEqual(['samSent', 'badUndelivered']);
		expect(labels((await list({ to: '2026-11-20' })).body)).toEqual(['okDelivered', 'okSent']);
		expect(labels((await list({ providerRef: 'SM0001' })).body)).toEqual(['okDelivered', 'okSent']);
		expect(labels((await list({ recipientId: ann })).body)).toEqual(['badUndelivered', 'badSent', 'okDelivered', 'okSent']);
		expect(labels((await list({ recipientId: user, status: 'sent' })).body)).toEqual(['samSent']);
		const combined = await list({ recipientId: ann, provider: 'twilio', limit: '1' });
		expect(combined.body.pagination).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 });
	});

	it('refuses bad parameters with a 400 naming the parameter', async () => {
		const cases: [string, string][] = [
			['limit', '1000'], ['limit', '101'], ['limit', '0'], ['limit', 'ten'], ['limit', '-5'],
			['page', '0'], ['page', 'two'], ['page', '1.5'], ['page', '10001'],
			['status', 'lost'], ['provider', 'acme'], ['from', 'not-a-date'], ['to', '2026-13-45'],
			['recipientId', 'abc'], ['providerRef', 'x'.repeat(101)]
		];
		for (const [param, value] of cases) {
			const { status, body } = await list({ [param]: value });
			expect({ param, value, status, parameter: body.error?.parameter }).toEqual({ param, value, status: 400, parameter: param });
			expect(body.error.message).toContain(param);
		}
		const backwards = await list({ from: '2026-11-22', to: '2026-11-20' });
		expect([backwards.status, backwards.body.error.parameter]).toEqual([400, 'to']);
		const missing = await get({});
		expect([missing.status, missing.body.error.parameter]).toEqual([400, 'workspace']);
	});

	it("answers 401 signed out and 404 for a workspace the caller is not in, never its events", async () => {
		expect((await get({ workspace: 'log-a' }, null)).status).toBe(401);
		const foreign = await get({ workspace: 'log-b' });
		expect(foreign.status).toBe(404);
		expect(foreign.body.data).toBeUndefined();
		expect((await get({ workspace: 'no-such-place' })).status).toBe(404);
		expect((await get({ workspace: 'log-a' }, outsider)).status).toBe(404);
		// A filter naming another workspace's recipient finds nothing here.
		expect((await list({ providerRef: 'SM0004' })).body.data).toEqual([]);
	});
});

describe('GET /api/sms-delivery-log/[messageId]', () => {
	it('answers the attempt and its events in chronological order with raw payloads', async () => {
		const { status, body } = await detail(msg.annOk!);
		expect(status).toBe(200);
		expect(body.attempt).toEqual({
			id: msg.annOk, recipientId: ann, channel: 'SMS', status: 'delivered', provider: 'twilio', providerRef: 'SM0001',
			startedAt: '2026-11-20T09:00:00.000000Z', completedAt: '2026-11-20T10:00:30.000000Z',
			recipient: { id: ann, name: 'Ann Lee', phone: '•••• 0123' }
		});
		expect((await detail(msg.annOk!, operator)).body.attempt.recipient).toEqual({ id: ann, name: 'Ann Lee', phone: '+14155550123' });
		expect(body.events).toEqual([
			{ id: ev.okSent, status: 'sent', rawStatus: 'SENT', rawPayload: { status: 'SENT', label: 'okSent' }, receivedAt: '2026-11-20T10:00:00.000000Z', ip: '203.0.113.9' },
			{ id: ev.okDelivered, status: 'delivered', rawStatus: 'DELIVERED', rawPayload: { status: 'DELIVERED', label: 'okDelivered' }, receivedAt: '2026-11-20T10:00:30.000000Z', ip: '203.0.113.9' }
		]);
		expect((await detail(msg.sam!)).body.attempt).toMatchObject({ status: 'sent', completedAt: null, recipientId: user });
	});

	it("answers 404 for another workspace's text (named through either workspace), 400 for a malformed id", async () => {
		expect((await detail(msg.other!)).status).toBe(404);
		expect((await detail(msg.other!, viewer, 'log-b')).status).toBe(404);
		expect((await detail(msg.annOk!, outsider, 'log-a')).status).toBe(404);
		expect((await detail(crypto.randomUUID())).status).toBe(404);
		const bad = await detail('nope');
		expect([bad.status, bad.body.error.parameter]).toEqual([400, 'messageId']);
		expect((await detail(msg.annOk!, null)).status).toBe(401);
	});
});

describe('the delivery log page', () => {
	const filters = (p: Record<string, string>) => parseDeliveryLogFilters(new URLSearchParams(p), { timeZone: 'UTC', defaultCountry: 'US' });
	it('sums the filtered events: delivered and failed counts, mean SENT→DELIVERED of the same text', async () => {
		const s = await t.db.asUser(claims(viewer), (tx) => deliveryLogSummary(tx, orgA, filters({})));
		expect(s).toEqual({ total: 5, delivered: 1, failed: 1, avgDeliverySeconds: 30 });
		const none = await t.db.asUser(claims(viewer), (tx) => deliveryLogSummary(tx, orgA, filters({ provider: 'sms-retail' })));
		expect(none).toEqual({ total: 2, delivered: 0, failed: 1, avgDeliverySeconds: null });
	});

	it("searches like the message list (any phone format, last four, name) and groups each text's events", async () => {
		for (const q of ['(415) 555-0123', '0123', 'ann lee']) {
			const rows = await t.db.asUser(claims(viewer), (tx) => listDeliveryEvents(tx, orgA, filters({ q })));
			expect(rows.map((r) => r.id), q).toEqual([ev.badUndelivered, ev.badSent, ev.okDelivered, ev.okSent]);
		}
		const events = await t.db.asUser(claims(viewer), (tx) => eventsOfMessages(tx, orgA, [msg.annBad!, msg.other!]));
		expect([...events.keys()]).toEqual([msg.annBad]);
		expect(events.get(msg.annBad!)!.map((e) => e.id)).toEqual([ev.badSent, ev.badUndelivered]);
	});
});

describe('numbers in raw payloads', () => {
	it("are opened for operators and up, hidden from viewers, on the page and in the API's attempt (last: it adds an event)", async () => {
		const sealed = sealPayload(phoneCipher(), { MessageSid: 'SMseal', To: '+14155550123', MessageStatus: 'delivered', label: 'sealed' });
		await t.sql`
			insert into public.sms_delivery_events (message_id, provider, status, raw_status, source, payload, received_at)
			values (${msg.annOk!}, 'twilio', 'delivered', 'DELIVERED', 'webhook', ${t.sql.json(sealed)}, '2026-11-30T10:00:00Z')`;
		const payloadOf = (rows: { rawPayload?: unknown; payload?: unknown }[]) =>
			rows.map((r) => (r.rawPayload ?? r.payload) as { label?: string; To?: string }).find((p) => p?.label === 'sealed');
		const page = (showNumbers: boolean) => t.db.asUser(claims(viewer), (tx) => listDeliveryEvents(tx, orgA, parseDeliveryLogFilters(new URLSearchParams(), { timeZone: 'UTC', defaultCountry: 'US' }), { showNumbers }));
		expect(payloadOf(await page(false))?.To).toBe('•••• (hidden)');
		expect(payloadOf(await page(true))?.To).toBe('+14155550123');
		expect(payloadOf((await detail(msg.annOk!)).body.events)?.To).toBe('•••• (hidden)');
		expect(payloadOf((await detail(msg.annOk!, operator)).body.events)?.To).toBe('+14155550123');
	});
});
