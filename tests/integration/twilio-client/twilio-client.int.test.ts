import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '@sms/twilio-sandbox';
import { ACCOUNT_SID, clientFor, MESSAGING_SID, startClientSandbox } from './sandbox.ts';
import { TwilioClient, TwilioConfigError, TwilioServiceError } from '@sms/twilio-service';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startClientSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

async function failure(call: Promise<unknown>): Promise<TwilioServiceError> {
	const error = await call.then(
		() => new Error('expected a failure'),
		(e: unknown) => e
	);
	if (!(error instanceof TwilioServiceError)) throw error;
	return error;
}

describe('TwilioClient', () => {
	it('sends from the Messaging Service with the default status callback', async () => {
		const client = clientFor(sandbox, { messagingServiceSid: MESSAGING_SID, statusCallbackUrl: 'http://127.0.0.1:9/cb' });
		const m = await client.sendMessage({ to: '+15551280001', body: 'hello' });
		expect(m).toMatchObject({ status: 'queued', to: '+15551280001', body: 'hello', messagingServiceSid: MESSAGING_SID });
		expect(m.sid).toMatch(/^SM/);
		expect(m.dateCreated).toBeInstanceOf(Date);
		expect(sandbox.state.store.get(m.sid)?.statusCallback).toBe('http://127.0.0.1:9/cb');

		const own = await client.sendMessage({ to: '+15551280001', body: 'x', statusCallback: 'http://127.0.0.1:9/own' });
		expect(sandbox.state.store.get(own.sid)?.statusCallback).toBe('http://127.0.0.1:9/own');
	});

	it('fetches and lists messages, newest first', async () => {
		const client = clientFor(sandbox);
		const a = await client.sendMessage({ to: '+15551280002', body: 'a' });
		const b = await client.sendMessage({ to: '+15551280002', body: 'b' });
		expect((await client.fetchMessage(a.sid)).body).toBe('a');
		expect((await client.listMessages({ to: '+15551280002' })).map((m) => m.sid)).toEqual([b.sid, a.sid]);
		expect(await client.listMessages({ to: '+15551280002', limit: 1 })).toHaveLength(1);
	});

	it('runs a Verify start and check', async () => {
		const client = clientFor(sandbox);
		const started = await client.startVerification({ to: '+15551280003' });
		expect(started).toMatchObject({ status: 'pending', channel: 'sms', valid: false });
		const code = sandbox.state.verify.latest('+15551280003')!.code;
		expect(await client.checkVerification({ to: '+15551280003', code: code === '000000' ? '111111' : '000000' })).toMatchObject({
			status: 'pending',
			valid: false
		});
		expect(await client.checkVerification({ to: '+15551280003', code })).toMatchObject({ status: 'approved', valid: true });
		const gone = await failure(client.checkVerification({ to: '+15551280003', code }));
		expect(gone).toMatchObject({ code: 20404, status: 404 });
	});

	it('reads messaging prices', async () => {
		const price = await clientFor(sandbox).messagingPrice('us');
		// The highest price across carriers and sender number types (short code, in the US).
		expect(price).toMatchObject({ isoCountry: 'US', priceUnit: 'USD', outboundSmsPrice: 0.0083 });
		expect(price.carriers[0]!.prices).toEqual([
			{ numberType: 'local', basePrice: 0.0079, currentPrice: 0.0079 },
			{ numberType: 'toll free', basePrice: 0.0079, currentPrice: 0.0079 },
			{ numberType: 'shortcode', basePrice: 0.0083, currentPrice: 0.0083 }
		]);
	});

	it('refuses to send or verify without the configuration for it', async () => {
		const bare = clientFor(sandbox, { from: undefined, verifyServiceSid: undefined });
		await expect(bare.sendMessage({ to: '+15551280004', body: 'x' })).rejects.toBeInstanceOf(TwilioConfigError);
		await expect(bare.startVerification({ to: '+15551280004' })).rejects.toBeInstanceOf(TwilioConfigError);
	});
});

describe('TwilioClient errors', () => {
	it.each([
		{ to: '+15005550001', code: 21211, scope: 'number' },
		{ to: '+15005550004', code: 21610, scope: 'number' },
		{ to: '+15005550009', code: 21614, scope: 'number' }
	])('Twilio rejection $code → permanent TwilioServiceError', async ({ to, code, scope }) => {
		const error = await failure(clientFor(sandbox).sendMessage({ to, body: 'x' }));
		expect(error).toMatchObject({ code, status: 400, retryable: false, scope });
		expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
		expect(error.cause).toBeInstanceOf(Error);
	});

	it('wrong credentials → 20003, not retryable', async () => {
		const error = await failure(clientFor(sandbox, { authToken: 'nope' }).fetchMessage(`SM${'0'.repeat(32)}`));
		expect(error).toMatchObject({ code: 20003, status: 401, retryable: false, scope: 'account' });
	});

	it('429 and 503 are retryable', async () => {
		await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ rate429: 1 }) });
		expect(await failure(clientFor(sandbox).sendMessage({ to: '+15551280005', body: 'x' }))).toMatchObject({
			code: 20429,
			status: 429,
			retryable: true
		});
		await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ rate503: 1 }) });
		expect(await failure(clientFor(sandbox).sendMessage({ to: '+15551280005', body: 'x' }))).toMatchObject({
			status: 503,
			retryable: true
		});
	});

	it('an unreachable Twilio → code "network", retryable', async () => {
		const client = new TwilioClient({ accountSid: ACCOUNT_SID, authToken: 'x', from: '+15005550006', baseUrl: 'http://127.0.0.1:9' });
		expect(await failure(client.sendMessage({ to: '+15551280006', body: 'x' }))).toMatchObject({
			code: 'network',
			status: null,
			retryable: true,
			scope: 'none'
		});
	});

	it('a slow Twilio → code "timeout", retryable', async () => {
		sandbox.state.faults = { ...sandbox.state.faults, latencyMs: 400 };
		const client = clientFor(sandbox, { timeoutMs: 100 });
		expect(await failure(client.listMessages({ to: '+15551280007' }))).toMatchObject({
			code: 'timeout',
			status: null,
			retryable: true
		});
	});
});
