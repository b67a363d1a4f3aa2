import http from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './server.ts';
import {
	ACCOUNT_SID,
	AUTH_TOKEN,
	control,
	FROM,
	MESSAGING_SID,
	sdkFor,
	startReceiver,
	startTestSandbox,
	waitFor,
	type Receiver
} from '../testing/index.ts';

let sandbox: Sandbox;
let receiver: Receiver;

beforeAll(async () => {
	receiver = await startReceiver('/api/webhooks/twilio/incoming');
	sandbox = await startTestSandbox({ incomingWebhookUrl: receiver.url, messagingServiceSid: MESSAGING_SID });
});
afterAll(async () => {
	await sandbox.close();
	await receiver.close();
});
beforeEach(() => {
	sandbox.state.reset();
	receiver.requests.length = 0;
	receiver.respond = () => ({
		status: 200,
		body: '<?xml version="1.0" encoding="UTF-8"?><Response><Message>You &amp; us: unsubscribed.</Message></Response>'
	});
});

const PHONE = '+15551260001';

describe('dev phone replies', () => {
	it('POST /_sandbox/reply reaches the app signed, like Twilio’s incoming webhook', async () => {
		await sdkFor(sandbox).messages.create({ to: PHONE, from: '+15005550007', body: 'Your task is due' });
		const { status, json } = await control<{ status: number; twiml: string; replies: string[]; to: string }>(
			sandbox,
			'reply',
			{ from: PHONE, body: 'STOP' }
		);
		expect(status).toBe(200);
		expect(json.status).toBe(200);
		expect(json.twiml).toContain('<Message>');
		expect(json.replies).toEqual(['You & us: unsubscribed.']);
		// The phone answers the number that texted it.
		expect(json.to).toBe('+15005550007');

		expect(receiver.requests).toHaveLength(1);
		const hook = receiver.requests[0]!;
		expect(twilio.validateRequest(AUTH_TOKEN, hook.signature, receiver.url, hook.params)).toBe(true);
		expect(hook.params).toMatchObject({
			From: PHONE,
			To: '+15005550007',
			Body: 'STOP',
			AccountSid: ACCOUNT_SID,
			MessagingServiceSid: MESSAGING_SID,
			NumSegments: '1',
			NumMedia: '0',
			SmsStatus: 'received',
			ApiVersion: '2010-04-01'
		});
		expect(hook.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);

		const { json: inbox } = await control<{ messages: { kind: string; body: string }[] }>(
			sandbox,
			`messages?phone=${encodeURIComponent(PHONE)}`
		);
		expect(inbox.messages.map((m) => [m.kind, m.body])).toEqual([
			['api', 'Your task is due'],
			['inbound', 'STOP'],
			['reply', 'You & us: unsubscribed.']
		]);
	});

	it('inbound texts appear in the REST list as direction inbound', async () => {
		await control(sandbox, 'reply', { from: PHONE, body: 'HELP' });
		const listed = await sdkFor(sandbox).messages.list({ to: FROM, limit: 5 });
		expect(listed.map((m) => [m.direction, m.body, m.status])).toEqual([['inbound', 'HELP', 'received']]);
	});

	it('the reply box on /phone/{number} posts the same signed webhook', async () => {
		const res = await fetch(`${sandbox.url}/phone/${encodeURIComponent(PHONE)}/reply`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ Body: 'START' }),
			redirect: 'manual'
		});
		expect(res.status).toBe(303);
		await waitFor(() => receiver.requests.length === 1);
		const hook = receiver.requests[0]!;
		expect(hook.params).toMatchObject({ From: PHONE, To: FROM, Body: 'START' });
		expect(twilio.validateRequest(AUTH_TOKEN, hook.signature, receiver.url, hook.params)).toBe(true);

		const page = await (await fetch(`${sandbox.url}/phone/${encodeURIComponent(PHONE)}`)).text();
		expect(page).toContain('START');
		expect(page).toContain('You &amp; us: unsubscribed.');
		expect(page).toContain('answered 200');
	});

	it('shows phones and their codes, newest first', async () => {
		await sdkFor(sandbox).messages.create({ to: PHONE, from: FROM, body: 'first <b>text</b>' });
		await sdkFor(sandbox).verify.v2.services(`VA${'b2'.repeat(16)}`).verifications.create({ to: PHONE, channel: 'sms' });
		const code = sandbox.state.verify.latest(PHONE)!.code;

		const index = await (await fetch(`${sandbox.url}/`)).text();
		expect(index).toContain(`/phone/${encodeURIComponent(PHONE)}`);
		const inbox = await (await fetch(`${sandbox.url}/phone/${encodeURIComponent(PHONE)}/inbox`)).text();
		expect(inbox).toContain(`<div class="code">${code}</div>`);
		expect(inbox).toContain('first &lt;b&gt;text&lt;/b&gt;');
		expect(inbox.indexOf(code)).toBeLessThan(inbox.indexOf('first &lt;b&gt;'));
	});

	it('reports an app that cannot be reached instead of failing', async () => {
		await control(sandbox, 'config', { incomingWebhookUrl: 'http://127.0.0.1:9/nothing' });
		const { json } = await control<{ status: number | null; error: string | null }>(sandbox, 'reply', {
			from: PHONE,
			body: 'STOP'
		});
		expect(json.status).toBeNull();
		expect(json.error).toBeTruthy();
		await control(sandbox, 'config', { incomingWebhookUrl: receiver.url });
	});

	it('rejects bad reply input with 400', async () => {
		expect((await control(sandbox, 'reply', { from: 'nobody', body: 'x' })).status).toBe(400);
		expect((await control(sandbox, 'reply', { body: 'x' })).status).toBe(400);
	});
});

describe('dev phone and control API refuse other sites', () => {
	it('rejects a state-changing request from another Origin, and a foreign Host (DNS rebinding)', async () => {
		const port = new URL(sandbox.url).port;
		const fromEvilSite = await fetch(`${sandbox.url}/_sandbox/reply`, {
			method: 'POST',
			headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
			body: JSON.stringify({ from: PHONE, body: 'STOP' })
		});
		expect(fromEvilSite.status).toBe(403);
		expect(receiver.requests).toHaveLength(0);

		const rebound = await new Promise<number>((resolve, reject) => {
			const req = http.request(
				{ host: '127.0.0.1', port, path: '/_sandbox/verifications?to=%2B15551260001', headers: { host: `evil.example:${port}` } },
				(res) => {
					res.resume();
					resolve(res.statusCode ?? 0);
				}
			);
			req.on('error', reject);
			req.end();
		});
		expect(rebound).toBe(403);

		const ownPage = await fetch(`${sandbox.url}/_sandbox/reply`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: sandbox.url },
			body: JSON.stringify({ from: PHONE, body: 'HELP' })
		});
		expect(ownPage.status).toBe(200);
	});
});
