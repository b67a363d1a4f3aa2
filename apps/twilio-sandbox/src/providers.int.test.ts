// The emulated HTTP providers: their send APIs, delivery reports (format, signing, retries),
// magic numbers, the down switch (control API and dev phone) and reset.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './server.ts';
import { startTestSandbox } from '../testing/index.ts';

interface Hit {
	url: URL;
	body: string;
	headers: http.IncomingHttpHeaders;
}

let sandbox: Sandbox;
let hits: Hit[] = [];
let answer: (hit: Hit, index: number) => number = () => 200;
let receiver: http.Server;
let hookUrl = '';

beforeAll(async () => {
	sandbox = await startTestSandbox({
		providers: { 'sms-retail': { apiKey: 'rk' }, '23telecom': { apiKey: 'tk' } }
	});
	receiver = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const hit = { url: new URL(req.url ?? '/', hookUrl), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
			hits.push(hit);
			res.writeHead(answer(hit, hits.length - 1)).end('{}');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/sms`;
});
afterAll(async () => {
	await sandbox.close();
	await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
	sandbox.state.reset();
	for (const p of Object.values(sandbox.state.providers)) p.webhookSecret = null;
	hits = [];
	answer = () => 200;
});
afterEach(() => {
	answer = () => 200;
});

const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

function sendRetail(to: string, extra: Record<string, unknown> = {}, key = 'rk') {
	return fetch(`${sandbox.url}/sms-retail/v1/messages`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ to, from: 'ACME', text: 'Hello', callback_url: hookUrl, ...extra })
	});
}

function sendTelecom(to: string, extra: Record<string, unknown> = {}, key = 'tk') {
	return fetch(`${sandbox.url}/23telecom/api/v2/sms`, {
		method: 'POST',
		headers: { 'X-Api-Key': key, 'Content-Type': 'application/json' },
		body: JSON.stringify({ destination: to, source: 'ACME', content: 'Hello', dlr_url: hookUrl, ...extra })
	});
}

async function waitForHits(n: number, timeoutMs = 3_000): Promise<Hit[]> {
	const deadline = Date.now() + timeoutMs;
	while (hits.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
	return hits;
}

const statuses = (list: Hit[]) => list.map((h) => (JSON.parse(h.body) as { status: string }).status);

describe('sms-retail emulation', () => {
	it('accepts a text (201, numeric id) and reports sent then delivered in its format', async () => {
		const res = await sendRetail('+15551250001', { client_ref: 'c-1' });
		expect(res.status).toBe(201);
		const text = (await res.json()) as { id: number; status: string; parts: number };
		expect(text).toMatchObject({ status: 'queued', parts: 1 });
		expect(Number.isInteger(text.id)).toBe(true);
		const got = await waitForHits(2);
		expect(statuses(got)).toEqual(['sent', 'delivered']);
		expect(JSON.parse(got[1]!.body)).toMatchObject({ id: text.id, status: 'delivered', to: '+15551250001', client_ref: 'c-1' });
		expect(got[0]!.headers['x-signature']).toBeUndefined();
	});

	it('signs each report with X-Signature = hex HMAC-SHA256 of the raw body when a secret is set', async () => {
		sandbox.state.providers['sms-retail'].webhookSecret = 'retail-secret';
		await sendRetail('+15551250002');
		const got = await waitForHits(2);
		for (const hit of got) expect(hit.headers['x-signature']).toBe(hmac('retail-secret', hit.body));
	});

	it.each([
		['+15005550010', ['sent', 'undelivered']],
		['+15005550014', ['failed']],
		['+15005550016', ['sent', 'failed']],
		['+15005550017', ['sent', 'on_hold']]
	])('%s reports %j', async (to, expected) => {
		await sendRetail(to);
		expect(statuses(await waitForHits(expected.length))).toEqual(expected);
	});

	it('+15005550015 reports sent and never a receipt', async () => {
		await sendRetail('+15005550015');
		await waitForHits(1);
		await new Promise((r) => setTimeout(r, 150));
		expect(statuses(hits)).toEqual(['sent']);
	});

	it('refuses a bad number, an opted-out number, a wrong key, a missing sender', async () => {
		expect(await (await sendRetail('+15005550001')).json()).toEqual({
			error: { code: 'invalid_number', message: '+15005550001 is not a valid number.' }
		});
		expect((await sendRetail('+15005550004')).status).toBe(400);
		expect((await sendRetail('+15551250003', {}, 'nope')).status).toBe(401);
		expect((await sendRetail('+15551250003', { from: '' })).status).toBe(403);
		expect(sandbox.state.providers['sms-retail'].accepted).toBe(0);
	});

	it('treats a repeated Idempotency-Key as the same text (200, same id, one report stream)', async () => {
		const first = (await (await sendRetail('+15551250004', { client_ref: 'same' })).json()) as { id: number };
		const again = await sendRetail('+15551250004', { client_ref: 'same' });
		expect(again.status).toBe(200);
		expect(((await again.json()) as { id: number }).id).toBe(first.id);
		expect(sandbox.state.providers['sms-retail'].accepted).toBe(1);
	});

	it('retries a report the app answers with 5xx', async () => {
		answer = (_hit, i) => (i === 0 ? 503 : 200);
		await sendRetail('+15005550014');
		const got = await waitForHits(2);
		expect(got[1]!.body).toBe(got[0]!.body);
		// The sandbox logs an attempt once our answer reaches it, just after the hit arrives here.
		const deadline = Date.now() + 3_000;
		while (sandbox.state.providers['sms-retail'].callbacks().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		const log = sandbox.state.providers['sms-retail'].callbacks();
		expect(log.map((c) => [c.status, c.attempt])).toEqual([
			[503, 1],
			[200, 2]
		]);
	});
});

describe('23telecom emulation', () => {
	it('accepts a text (202, string messageId) and reports SENT then DELIVRD with cost and num_parts', async () => {
		const res = await sendTelecom('+15551260001', { content: 'x'.repeat(200) });
		expect(res.status).toBe(202);
		const text = (await res.json()) as { messageId: string; status: string; num_parts: number };
		expect(text).toMatchObject({ status: 'PENDING', num_parts: 2 });
		const got = await waitForHits(2);
		expect(statuses(got)).toEqual(['SENT', 'DELIVRD']);
		expect(JSON.parse(got[1]!.body)).toMatchObject({ messageId: text.messageId, cost: '0.0240', currency: 'EUR', num_parts: 2 });
		expect(got[0]!.url.searchParams.has('token')).toBe(false);
	});

	it('signs both ways when a secret is set: token in the URL, timestamped X-Webhook-Signature', async () => {
		sandbox.state.providers['23telecom'].webhookSecret = 'telecom-secret';
		const before = Math.floor(Date.now() / 1000);
		await sendTelecom('+15551260002');
		const got = await waitForHits(2);
		for (const hit of got) {
			expect(hit.url.searchParams.get('token')).toBe('telecom-secret');
			const ts = String(hit.headers['x-webhook-timestamp']);
			expect(Number(ts)).toBeGreaterThanOrEqual(before);
			expect(Number(ts)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
			expect(hit.headers['x-webhook-signature']).toBe(`sha256=${hmac('telecom-secret', `${ts}.${hit.body}`)}`);
		}
	});

	it.each([
		['+15005550010', ['SENT', 'UNDELIV']],
		['+15005550014', ['REJECTD']],
		['+15005550016', ['SENT', 'EXPIRED']],
		['+15005550017', ['SENT', 'ACCEPTD']]
	])('%s reports %j', async (to, expected) => {
		await sendTelecom(to);
		expect(statuses(await waitForHits(expected.length))).toEqual(expected);
	});

	it('answers errors in its own format', async () => {
		const res = await sendTelecom('+15005550004');
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ errorCode: 1002, errorMessage: '+15005550004 has opted out.' });
		const lookup = await fetch(`${sandbox.url}/23telecom/api/v2/sms/nope`, { headers: { 'X-Api-Key': 'tk' } });
		expect(lookup.status).toBe(404);
		expect(await lookup.json()).toMatchObject({ errorCode: 4004 });
	});

	it('sends reordered reports final-first under the reorder fault, and twice under the duplicate fault', async () => {
		sandbox.state.faults = { ...sandbox.state.faults, reorderCallbacks: 1, duplicateCallbacks: 1 };
		await sendTelecom('+15551260003');
		const got = await waitForHits(4);
		expect(statuses(got)).toEqual(['DELIVRD', 'DELIVRD', 'SENT', 'SENT']);
	});
});

describe('down switch', () => {
	async function setMode(provider: string, body: unknown) {
		return fetch(`${sandbox.url}/_sandbox/providers/${provider}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body)
		});
	}

	it('503: refuses before creating anything; the other provider keeps working', async () => {
		expect((await setMode('sms-retail', { down: '503' })).status).toBe(200);
		expect((await sendRetail('+15551270001')).status).toBe(503);
		expect((await sendTelecom('+15551270001')).status).toBe(202);
		const state = (await (await fetch(`${sandbox.url}/_sandbox/providers`)).json()) as {
			providers: { id: string; down: string | null; accepted: number }[];
		};
		expect(state.providers).toEqual([
			expect.objectContaining({ id: 'sms-retail', down: '503', accepted: 0 }),
			expect.objectContaining({ id: '23telecom', down: null, accepted: 1 })
		]);
	});

	it('timeout: holds the request without an answer', async () => {
		await setMode('23telecom', { down: 'timeout' });
		const started = Date.now();
		const outcome = await fetch(`${sandbox.url}/23telecom/api/v2/sms`, {
			method: 'POST',
			headers: { 'X-Api-Key': 'tk' },
			body: '{}',
			signal: AbortSignal.timeout(300)
		}).then(
			(r) => `answered ${r.status}`,
			(e: Error) => e.name
		);
		expect(outcome).toBe('TimeoutError');
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	});

	it('500-after-accept: the text goes out although the answer is 500', async () => {
		await setMode('sms-retail', { down: '500-after-accept' });
		expect((await sendRetail('+15551270002', { client_ref: 'amb' })).status).toBe(500);
		expect(statuses(await waitForHits(2))).toEqual(['sent', 'delivered']);
		expect(sandbox.state.providers['sms-retail'].accepted).toBe(1);
	});

	it('rejects unknown modes and settings with 400', async () => {
		expect((await setMode('sms-retail', { down: 'sideways' })).status).toBe(400);
		expect((await setMode('sms-retail', { colour: 'red' })).status).toBe(400);
		expect((await setMode('nope', {})).status).toBe(404);
	});

	it('is on the dev phone: a button press switches a provider down and up again', async () => {
		const page = await (await fetch(`${sandbox.url}/`)).text();
		expect(page).toContain('action="/providers/sms-retail/mode"');
		const press = (mode: string) =>
			fetch(`${sandbox.url}/providers/sms-retail/mode`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: sandbox.url },
				body: `mode=${mode}`,
				redirect: 'manual'
			});
		expect((await press('timeout')).status).toBe(303);
		expect(sandbox.state.providers['sms-retail'].down).toBe('timeout');
		expect((await press('up')).status).toBe(303);
		expect(sandbox.state.providers['sms-retail'].down).toBeNull();
	});

	it('refuses a button press from another site', async () => {
		const res = await fetch(`${sandbox.url}/providers/sms-retail/mode`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
			body: 'mode=503'
		});
		expect(res.status).toBe(403);
		expect(sandbox.state.providers['sms-retail'].down).toBeNull();
	});

	it('reset switches providers up and forgets their texts', async () => {
		await setMode('23telecom', { down: 'auth' });
		await sendRetail('+15551270003');
		await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
		expect(sandbox.state.providers['23telecom'].down).toBeNull();
		expect(sandbox.state.providers['sms-retail'].texts.size).toBe(0);
	});

	it('lists texts per provider for counting at the sandbox, and shows them in the phone inbox', async () => {
		await sendRetail('+15551270004', { text: 'via retail' });
		await sendTelecom('+15551270004', { content: 'via telecom' });
		const list = (await (await fetch(`${sandbox.url}/_sandbox/providers/23telecom/messages?to=%2B15551270004`)).json()) as {
			messages: { body: string }[];
		};
		expect(list.messages.map((m) => m.body)).toEqual(['via telecom']);
		const inbox = await (await fetch(`${sandbox.url}/phone/%2B15551270004/inbox`)).text();
		expect(inbox).toContain('via retail');
		expect(inbox).toContain('via 23telecom');
	});
});
