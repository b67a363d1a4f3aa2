// The Twilio adapter wraps the real SMSService, pointed at the sandbox through the real SDK.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SMSService, TwilioClient, TwilioServiceError } from '@sms/twilio-service';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioProvider } from '@sms/providers';

const ACCOUNT_SID = `AC${'b8'.repeat(16)}`;
const AUTH_TOKEN = 'twilio-adapter-test';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, callbackDelaysMs: { sent: 10, delivered: 20 } });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

function provider(authToken = AUTH_TOKEN): TwilioProvider {
	const client = new TwilioClient({ accountSid: ACCOUNT_SID, authToken, from: '+15005550006', baseUrl: sandbox.url, timeoutMs: 5_000 });
	return new TwilioProvider(new SMSService({ client }), { statusCallbackUrl: 'http://127.0.0.1:1/status' });
}

describe('TwilioProvider', () => {
	it("sends through SMSService: the SID is the reference, Twilio's status the raw one", async () => {
		const result = await provider().send({ to: '+15551240001', body: 'x'.repeat(170), idempotencyKey: 'm1' });
		expect(result).toMatchObject({ ok: true, value: { rawStatus: 'queued', status: 'queued', segments: 2 } });
		if (!result.ok) return;
		expect(result.value.reference).toMatch(/^SM[0-9a-f]{32}$/);
		expect(sandbox.state.store.get(result.value.reference)?.statusCallback).toBe('http://127.0.0.1:1/status');
	});

	it('keeps the TwilioServiceError as the cause of a permanent failure', async () => {
		const result = await provider().send({ to: '+15005550004', body: 'x', idempotencyKey: 'm2' });
		expect(result).toMatchObject({ ok: false, error: { provider: 'twilio', kind: 'permanent', accepted: 'no', code: 21610 } });
		if (result.ok) return;
		expect(result.error.cause).toBeInstanceOf(TwilioServiceError);
	});

	it('a refused auth token is a misconfigured provider', async () => {
		const result = await provider('wrong').send({ to: '+15551240002', body: 'x', idempotencyKey: 'm3' });
		expect(result).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'misconfigured', code: 20003 } });
	});

	it('429 is retry-later; 503 is an outage that certainly sent nothing', async () => {
		sandbox.state.faults = { ...sandbox.state.faults, rate429: 1 };
		expect(await provider().send({ to: '+15551240003', body: 'x', idempotencyKey: 'm4' })).toMatchObject({
			ok: false,
			error: { kind: 'retry_later', accepted: 'no' }
		});
		sandbox.state.faults = { ...sandbox.state.faults, rate429: 0, rate503: 1 };
		expect(await provider().send({ to: '+15551240003', body: 'x', idempotencyKey: 'm5' })).toMatchObject({
			ok: false,
			error: { kind: 'provider_unavailable', reason: 'outage', accepted: 'no' }
		});
	});

	it('fetchStatus follows the text; an unknown SID is a permanent not-found', async () => {
		const p = provider();
		const sent = await p.send({ to: '+15551240004', body: 'hello', idempotencyKey: 'm6' });
		if (!sent.ok) throw sent.error;
		let status = await p.fetchStatus(sent.value.reference);
		for (let i = 0; i < 100 && !(status.ok && status.value.status === 'delivered'); i++) {
			await new Promise((r) => setTimeout(r, 20));
			status = await p.fetchStatus(sent.value.reference);
		}
		expect(status).toMatchObject({ ok: true, value: { status: 'delivered', rawStatus: 'delivered' } });
		expect(await p.fetchStatus(`SM${'0'.repeat(32)}`)).toMatchObject({ ok: false, error: { kind: 'permanent', code: 20404 } });
	});

	it('findDispatched finds an interrupted send by number and body, and none when none was sent', async () => {
		const p = provider();
		const since = new Date();
		const sent = await p.send({ to: '+15551240005', body: 'find me', idempotencyKey: 'm7' });
		if (!sent.ok) throw sent.error;
		const found = await p.findDispatched({ idempotencyKey: 'm7', to: '+15551240005', body: 'find me', since });
		expect(found).toEqual({ ok: true, value: [expect.objectContaining({ reference: sent.value.reference })] });
		const none = await p.findDispatched({ idempotencyKey: 'm8', to: '+15551240005', body: 'not sent', since });
		expect(none).toEqual({ ok: true, value: [] });
	});
});
