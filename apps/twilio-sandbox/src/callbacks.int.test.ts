import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './server.ts';
import {
	ACCOUNT_SID,
	AUTH_TOKEN,
	control,
	FROM,
	restError,
	sdkFor,
	startReceiver,
	startTestSandbox,
	waitFor,
	type Receiver
} from '../testing/index.ts';

let sandbox: Sandbox;
let client: ReturnType<typeof sdkFor>;
let receiver: Receiver;

beforeAll(async () => {
	sandbox = await startTestSandbox();
	client = sdkFor(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
	sandbox.state.reset();
	receiver = await startReceiver('/api/webhooks/twilio/status?source=test');
});
afterEach(() => receiver.close());

const send = (to: string, body = 'status please') =>
	client.messages.create({ to, from: FROM, body, statusCallback: receiver.url });

const statusesFor = (sid: string) =>
	receiver.requests.filter((r) => r.params.MessageSid === sid).map((r) => r.params.MessageStatus);

describe('status callbacks', () => {
	it('posts queued → sent → delivered, signed exactly as Twilio signs', async () => {
		const m = await send('+15551250001');
		await waitFor(() => statusesFor(m.sid).length === 3);
		expect(statusesFor(m.sid)).toEqual(['queued', 'sent', 'delivered']);
		for (const request of receiver.requests) {
			expect(request.url).toBe(receiver.url);
			expect(twilio.validateRequest(AUTH_TOKEN, request.signature, request.url, request.params)).toBe(true);
		}
		expect(receiver.requests[2]!.params).toMatchObject({
			MessageSid: m.sid,
			SmsSid: m.sid,
			SmsStatus: 'delivered',
			AccountSid: ACCOUNT_SID,
			From: FROM,
			To: '+15551250001',
			ApiVersion: '2010-04-01'
		});
		expect(receiver.requests[2]!.params.RawDlrDoneDate).toMatch(/^\d{10}$/);
		expect(receiver.requests[2]!.params.ErrorCode).toBeUndefined();
	});

	it('a tampered callback fails validation', async () => {
		const m = await send('+15551250002');
		await waitFor(() => statusesFor(m.sid).length === 3);
		const delivered = receiver.requests[2]!;
		const tampered = { ...delivered.params, MessageStatus: 'failed' };
		expect(twilio.validateRequest(AUTH_TOKEN, delivered.signature, delivered.url, tampered)).toBe(false);
		expect(twilio.validateRequest('another-token', delivered.signature, delivered.url, delivered.params)).toBe(false);
		expect(twilio.validateRequest(AUTH_TOKEN, delivered.signature, `${delivered.url}&x=1`, delivered.params)).toBe(false);
	});

	it.each([
		{ to: '+15005550010', final: 'undelivered', code: '30003', statuses: ['queued', 'sent', 'undelivered'] },
		{ to: '+15005550011', final: 'undelivered', code: '30005', statuses: ['queued', 'sent', 'undelivered'] },
		{ to: '+15005550012', final: 'undelivered', code: '30006', statuses: ['queued', 'sent', 'undelivered'] },
		{ to: '+15005550013', final: 'undelivered', code: '30007', statuses: ['queued', 'sent', 'undelivered'] },
		{ to: '+15005550014', final: 'failed', code: '30008', statuses: ['queued', 'failed'] }
	])('$to ends $final with ErrorCode $code', async ({ to, final, code, statuses }) => {
		const m = await send(to);
		expect(m.status).toBe('queued');
		await waitFor(() => statusesFor(m.sid).length === statuses.length);
		expect(statusesFor(m.sid)).toEqual(statuses);
		const last = receiver.requests.at(-1)!;
		expect(last.params.ErrorCode).toBe(code);
		const fetched = await client.messages(m.sid).fetch();
		expect(fetched.status).toBe(final);
		expect(fetched.errorCode).toBe(Number(code));
	});

	it('+15005550015 stays sent: no receipt ever', async () => {
		const m = await send('+15005550015');
		await waitFor(() => statusesFor(m.sid).length === 2);
		await new Promise((resolve) => setTimeout(resolve, 120));
		expect(statusesFor(m.sid)).toEqual(['queued', 'sent']);
		expect((await client.messages(m.sid).fetch()).status).toBe('sent');
	});

	it('retries a callback the receiver answers with 5xx, and logs each attempt', async () => {
		receiver.respond = (_r, index) => ({ status: index === 0 ? 503 : 200 });
		const m = await send('+15551250003');
		await waitFor(() => statusesFor(m.sid).length === 4);
		// The retry of `queued` may land after `sent`, as a real retry would.
		expect(statusesFor(m.sid).sort()).toEqual(['delivered', 'queued', 'queued', 'sent']);
		const { json } = await control<{ callbacks: { status: number; attempt: number; params: { MessageStatus: string } }[] }>(
			sandbox,
			`callbacks?sid=${m.sid}`
		);
		const attempts = json.callbacks.map((c) => [c.params.MessageStatus, c.attempt, c.status]);
		expect(attempts.sort()).toEqual([
			['delivered', 1, 200],
			['queued', 1, 503],
			['queued', 2, 200],
			['sent', 1, 200]
		]);
	});

	it('retries when the receiver is down, then gives up', async () => {
		await receiver.close();
		const m = await send('+15551250004');
		await waitFor(() => sandbox.state.callbackLog.list().length >= 9, 3_000);
		const { json } = await control<{ callbacks: { attempt: number; status: number | null; error: string | null }[] }>(
			sandbox,
			`callbacks?sid=${m.sid}`
		);
		// 3 statuses × 3 attempts (the test sandbox allows 3 attempts in all).
		expect(json.callbacks).toHaveLength(9);
		expect(json.callbacks.every((c) => c.status === null && c.error)).toBe(true);
		expect(Math.max(...json.callbacks.map((c) => c.attempt))).toBe(3);
	});
});

describe('fault injection', () => {
	it('answers 429 (code 20429) and 503 at the configured rates', async () => {
		await control(sandbox, 'faults', { rate429: 1 });
		expect(await restError(send('+15551250010'))).toMatchObject({ status: 429, code: 20429 });
		await control(sandbox, 'faults', { rate503: 1 });
		expect(await restError(send('+15551250010'))).toMatchObject({ status: 503 });
		expect(sandbox.state.store.size).toBe(0);

		await control(sandbox, 'faults', { rate429: 0.5 });
		let limited = 0;
		for (let i = 0; i < 200; i++) {
			try {
				await send('+15551250011');
			} catch {
				limited++;
			}
		}
		expect(limited).toBeGreaterThan(60);
		expect(limited).toBeLessThan(140);
		await control(sandbox, 'faults', {});
		expect((await send('+15551250012')).status).toBe('queued');
	});

	it('adds latency to API answers', async () => {
		await control(sandbox, 'faults', { latencyMs: 100 });
		const started = performance.now();
		await client.messages.list({ limit: 1 });
		expect(performance.now() - started).toBeGreaterThanOrEqual(95);
	});

	it('sends duplicated callbacks twice', async () => {
		await control(sandbox, 'faults', { duplicateCallbacks: true });
		const m = await send('+15551250013');
		await waitFor(() => statusesFor(m.sid).length === 6);
		expect(statusesFor(m.sid).sort()).toEqual(['delivered', 'delivered', 'queued', 'queued', 'sent', 'sent']);
	});

	it('reorders callbacks: the final status arrives first', async () => {
		await control(sandbox, 'faults', { reorderCallbacks: 1 });
		const m = await send('+15551250014');
		await waitFor(() => statusesFor(m.sid).length === 3);
		expect(statusesFor(m.sid)[0]).toBe('delivered');
		expect(statusesFor(m.sid)).toContain('sent');
	});

	it('drops callbacks and says so in the log', async () => {
		await control(sandbox, 'faults', { dropCallbacks: 1 });
		const m = await send('+15551250015');
		await waitFor(() => sandbox.state.store.get(m.sid)?.status === 'delivered');
		await new Promise((resolve) => setTimeout(resolve, 30));
		expect(statusesFor(m.sid)).toEqual([]);
		const { json } = await control<{ callbacks: { dropped: boolean }[] }>(sandbox, `callbacks?sid=${m.sid}`);
		expect(json.callbacks).toHaveLength(3);
		expect(json.callbacks.every((c) => c.dropped)).toBe(true);
	});

	it('rejects rates outside 0..1', async () => {
		expect((await control(sandbox, 'faults', { rate429: 2 })).status).toBe(400);
	});
});
