import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './server.ts';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, MESSAGING_SID, restError, sdkFor, startTestSandbox, waitFor } from '../testing/index.ts';

let sandbox: Sandbox;
let client: ReturnType<typeof sdkFor>;

beforeAll(async () => {
	sandbox = await startTestSandbox();
	client = sdkFor(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

describe('Messages through the real twilio SDK', () => {
	it('creates a message in Twilio’s shape and moves it to delivered', async () => {
		const created = await client.messages.create({ to: '+15551230001', from: FROM, body: 'Hello there' });
		expect(created.sid).toMatch(/^SM[0-9a-f]{32}$/);
		expect(created.status).toBe('queued');
		expect(created.accountSid).toBe(ACCOUNT_SID);
		expect(created.numSegments).toBe('1');
		expect(created.price).toBeNull();
		expect(created.direction).toBe('outbound-api');
		expect(created.dateCreated).toBeInstanceOf(Date);
		expect(created.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${created.sid}.json`);

		await waitFor(() => sandbox.state.store.get(created.sid)?.status === 'delivered');
		const fetched = await client.messages(created.sid).fetch();
		expect(fetched.status).toBe('delivered');
		expect(fetched.price).toBe('-0.00790');
		expect(fetched.priceUnit).toBe('USD');
		expect(fetched.dateSent).toBeInstanceOf(Date);
		expect(fetched.body).toBe('Hello there');
	});

	it('answers RFC 2822 dates like Twilio', async () => {
		const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
			method: 'POST',
			headers: {
				Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
				'Content-Type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams({ To: '+15551230002', From: FROM, Body: 'x' })
		});
		expect(res.status).toBe(201);
		const json = (await res.json()) as Record<string, unknown>;
		expect(json.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
		expect(json).toMatchObject({ error_code: null, error_message: null, date_sent: null, messaging_service_sid: null });
	});

	it('counts segments for long and Unicode bodies', async () => {
		const long = await client.messages.create({ to: '+15551230003', from: FROM, body: 'a'.repeat(161) });
		expect(long.numSegments).toBe('2');
		const emoji = await client.messages.create({ to: '+15551230003', from: FROM, body: '😀'.repeat(36) });
		expect(emoji.numSegments).toBe('2');
	});

	it('reports 0 segments for Messaging Service sends until sent, then the real count', async () => {
		const m = await client.messages.create({ to: '+15551230004', messagingServiceSid: MESSAGING_SID, body: 'hi' });
		expect(m.numSegments).toBe('0');
		expect(m.messagingServiceSid).toBe(MESSAGING_SID);
		await waitFor(() => sandbox.state.store.get(m.sid)?.status === 'delivered');
		expect((await client.messages(m.sid).fetch()).numSegments).toBe('1');
	});

	it('lists messages to a number, newest first, across pages', async () => {
		for (let i = 0; i < 5; i++) await client.messages.create({ to: '+15551230005', from: FROM, body: `n${i}` });
		await client.messages.create({ to: '+15551239999', from: FROM, body: 'other' });
		const listed = await client.messages.list({ to: '+15551230005', pageSize: 2 });
		expect(listed.map((m) => m.body)).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
		const limited = await client.messages.list({ to: '+15551230005', limit: 3 });
		expect(limited).toHaveLength(3);
	});

	it('filters DateSent>= by the UTC date, as Twilio does, and skips texts not sent yet', async () => {
		// Pin the sandbox clock to 23:59:30 UTC.
		const now = sandbox.state.clock.now();
		sandbox.state.clock.advance(Math.ceil(now / 86_400_000) * 86_400_000 - 30_000 - now);
		const old = await client.messages.create({ to: '+15551230006', from: FROM, body: 'old' });
		await waitFor(() => sandbox.state.store.get(old.sid)?.dateSent);
		sandbox.state.clock.advance(60_000); // 00:00:30 the next day
		const fresh = await client.messages.create({ to: '+15551230006', from: FROM, body: 'new' });
		await waitFor(() => sandbox.state.store.get(fresh.sid)?.dateSent);
		const sentAt = (m: { sid: string }) => new Date(sandbox.state.store.get(m.sid)!.dateSent!);

		// A time inside the earlier day means that whole day: both texts.
		const sameDay = await client.messages.list({ to: '+15551230006', dateSentAfter: new Date(sentAt(old).getTime() + 10_000) });
		expect(sameDay.map((m) => m.body)).toEqual(['new', 'old']);
		// A time inside the later day: only that day's text.
		const nextDay = await client.messages.list({ to: '+15551230006', dateSentAfter: sentAt(fresh) });
		expect(nextDay.map((m) => m.body)).toEqual(['new']);
		const before = await client.messages.list({ to: '+15551230006', dateSentBefore: sentAt(old) });
		expect(before.map((m) => m.body)).toEqual(['old']);
		// A text Twilio has not sent yet has no date_sent: no DateSent filter finds it.
		const queued = await client.messages.create({
			to: '+15551230006',
			messagingServiceSid: MESSAGING_SID,
			body: 'queued',
			sendAt: new Date(sandbox.state.clock.now() + 3_600_000),
			scheduleType: 'fixed'
		});
		expect(sandbox.state.store.get(queued.sid)?.dateSent).toBeNull();
		const listed = await client.messages.list({ to: '+15551230006', dateSentAfter: sentAt(old) });
		expect(listed.map((m) => m.body)).toEqual(['new', 'old']);
		// Without a DateSent filter it is there, newest first.
		expect((await client.messages.list({ to: '+15551230006', limit: 1 })).map((m) => m.body)).toEqual(['queued']);
	});

	it('pages with PageToken: texts arriving between pages neither shift nor hide the next page', async () => {
		for (let i = 0; i < 5; i++) await client.messages.create({ to: '+15551230008', from: FROM, body: `p${i}` });
		const first = await client.messages.page({ to: '+15551230008', pageSize: 2 });
		expect(first.instances.map((m) => m.body)).toEqual(['p4', 'p3']);
		await client.messages.create({ to: '+15551230008', from: FROM, body: 'late' });
		const second = await first.nextPage();
		expect(second?.instances.map((m) => m.body)).toEqual(['p2', 'p1']);
		const third = await second!.nextPage();
		expect(third?.instances.map((m) => m.body)).toEqual(['p0']);
		expect(third!.nextPage()).toBeUndefined();
		const raw = await fetch(`${sandbox.url}${(first as unknown as { nextPageUrl: string }).nextPageUrl.replace(/^https?:\/\/[^/]+/, '')}`, {
			headers: { Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` }
		});
		const json = (await raw.json()) as { page: number; page_size: number; start: number; next_page_uri: string };
		expect(json).toMatchObject({ page: 1, page_size: 2, start: 2 });
		expect(json.next_page_uri).toMatch(/PageToken=PASM[0-9a-f]{32}/);
	});

	it('schedules a message with SendAt and sends it when due', async () => {
		// SendAt travels with whole seconds: 1.1 s ahead is still in the future after truncation.
		const sendAt = new Date(Date.now() + 1_100);
		const m = await client.messages.create({
			to: '+15551230007',
			messagingServiceSid: MESSAGING_SID,
			body: 'later',
			sendAt,
			scheduleType: 'fixed'
		});
		expect(m.status).toBe('scheduled');
		await waitFor(() => sandbox.state.store.get(m.sid)?.status === 'delivered', 3_000);
		expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(sendAt.getTime() / 1000) * 1000);
	});

	it('answers 404 with code 20404 for an unknown SID', async () => {
		const error = await restError(client.messages(`SM${'0'.repeat(32)}`).fetch());
		expect(error).toMatchObject({ status: 404, code: 20404 });
	});
});

describe('validation and magic numbers', () => {
	const post = (params: Record<string, string>) =>
		fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
			method: 'POST',
			headers: {
				Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
				'Content-Type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams(params)
		});

	// Raw HTTP: the SDK refuses a missing `to` before sending, but other clients do not.
	it.each<{ name: string; params: Record<string, string>; code: number }>([
		{ name: 'missing To', params: { From: FROM, Body: 'x' }, code: 21604 },
		{ name: 'missing Body', params: { To: '+15551230010', From: FROM }, code: 21602 },
		{ name: 'missing From', params: { To: '+15551230010', Body: 'x' }, code: 21603 },
		{ name: 'invalid To', params: { To: '555-1234', From: FROM, Body: 'x' }, code: 21211 },
		{ name: 'body over 1600', params: { To: '+15551230010', From: FROM, Body: 'x'.repeat(1601) }, code: 21617 }
	])('$name → 400 code $code', async ({ params, code }) => {
		const res = await post(params);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code, status: 400, more_info: `https://www.twilio.com/docs/errors/${code}` });
		expect(sandbox.state.store.size).toBe(0);
	});

	it('accepts a body of exactly 1600 characters', async () => {
		expect((await post({ To: '+15551230010', From: FROM, Body: 'x'.repeat(1600) })).status).toBe(201);
	});

	it.each([
		{ to: '+15005550001', code: 21211 },
		{ to: '+15005550002', code: 21612 },
		{ to: '+15005550003', code: 21408 },
		{ to: '+15005550004', code: 21610 },
		{ to: '+15005550009', code: 21614 }
	])('magic number $to → RestException 400 code $code', async ({ to, code }) => {
		const error = await restError(client.messages.create({ to, from: FROM, body: 'x' }));
		expect(error.status).toBe(400);
		expect(error.code).toBe(code);
		expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
		expect(sandbox.state.store.size).toBe(0);
	});

	it('refuses wrong credentials with 401 code 20003', async () => {
		const error = await restError(sdkFor(sandbox, 'wrong-token').messages.list({ limit: 1 }));
		expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
	});

	it('answers an error body exactly like Twilio', async () => {
		const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, { method: 'POST' });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({
			code: 20003,
			message: 'Authenticate',
			more_info: 'https://www.twilio.com/docs/errors/20003',
			status: 401
		});
	});
});

describe('Pricing', () => {
	it('serves messaging prices per country', async () => {
		const us = await client.pricing.v1.messaging.countries('US').fetch();
		expect(us.isoCountry).toBe('US');
		expect(us.priceUnit).toBe('USD');
		expect(us.outboundSmsPrices.length).toBeGreaterThan(0);
		const error = await restError(client.pricing.v1.messaging.countries('ZZ').fetch());
		expect(error).toMatchObject({ status: 404, code: 20404 });
	});
});
