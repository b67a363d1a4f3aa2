// The HTTP adapters against the sandbox's emulation of each provider (real HTTP, real fetch).
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { SmsRetailProvider, Telecom23Provider, type HttpProviderConfig, type SmsProvider } from '@sms/providers';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startSandbox({
		accountSid: `AC${'a9'.repeat(16)}`,
		authToken: 'adapter-test',
		callbackDelaysMs: { sent: 10, delivered: 20 },
		providers: { 'sms-retail': { apiKey: 'retail-key' }, '23telecom': { apiKey: 'telecom-key' } }
	});
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

const cases = [
	{
		id: 'sms-retail' as const,
		make: (c: Partial<HttpProviderConfig> = {}) =>
			new SmsRetailProvider({ baseUrl: `${sandbox.url}/sms-retail/`, apiKey: 'retail-key', sender: 'ACME', ...c }),
		queued: 'queued',
		delivered: 'delivered',
		badNumberCode: 'invalid_number',
		optedOutCode: 'opted_out'
	},
	{
		id: '23telecom' as const,
		make: (c: Partial<HttpProviderConfig> = {}) =>
			new Telecom23Provider({ baseUrl: `${sandbox.url}/23telecom`, apiKey: 'telecom-key', sender: 'ACME', ...c }),
		queued: 'PENDING',
		delivered: 'DELIVRD',
		badNumberCode: 1001,
		optedOutCode: 1002
	}
];

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value) || Date.now() > deadline) return value;
		await new Promise((r) => setTimeout(r, 20));
	}
}

describe.each(cases)('$id adapter', (c) => {
	const input = (key: string, to = '+15551230001') => ({ to, body: 'Your table is ready', idempotencyKey: key });
	const emulator = () => sandbox.state.providers[c.id];

	it('sends a text and reports its reference, raw and normalised status', async () => {
		const result = await c.make().send(input('msg-1'));
		expect(result).toMatchObject({ ok: true, value: { rawStatus: c.queued, status: 'queued', segments: 1 } });
		if (!result.ok) return;
		const stored = emulator().texts.get(result.value.reference);
		expect(stored).toMatchObject({ to: '+15551230001', from: 'ACME', body: 'Your table is ready', clientRef: 'msg-1' });
	});

	it('never sends twice for one idempotency key', async () => {
		const provider = c.make();
		const first = await provider.send(input('msg-2'));
		const second = await provider.send(input('msg-2'));
		expect(first.ok && second.ok && first.value.reference === second.value.reference).toBe(true);
		expect(emulator().accepted).toBe(1);
	});

	it('follows a text to delivered through fetchStatus', async () => {
		const provider = c.make();
		const sent = await provider.send(input('msg-3'));
		if (!sent.ok) throw sent.error;
		const status = await until(
			() => provider.fetchStatus(sent.value.reference),
			(r) => r.ok && r.value.status === 'delivered'
		);
		expect(status).toMatchObject({ ok: true, value: { rawStatus: c.delivered, status: 'delivered' } });
	});

	it('answers a permanent not-found for an unknown reference', async () => {
		const result = await c.make().fetchStatus('999999999');
		expect(result).toMatchObject({ ok: false, error: { kind: 'permanent', accepted: 'no' } });
	});

	it('finds an interrupted send by its key, and nothing for a key never sent', async () => {
		const provider = c.make();
		const sent = await provider.send(input('msg-4'));
		if (!sent.ok) throw sent.error;
		const since = new Date(Date.now() - 1000);
		const found = await provider.findDispatched({ idempotencyKey: 'msg-4', to: '+15551230001', body: 'x', since });
		expect(found).toEqual({ ok: true, value: [expect.objectContaining({ reference: sent.value.reference })] });
		const none = await provider.findDispatched({ idempotencyKey: 'never', to: '+15551230001', body: 'x', since });
		expect(none).toEqual({ ok: true, value: [] });
	});

	it('classifies a bad number and an opted-out number as permanent for the text', async () => {
		const bad = await c.make().send(input('m-5', '+15005550001'));
		expect(bad).toMatchObject({ ok: false, error: { kind: 'permanent', accepted: 'no', code: c.badNumberCode, httpStatus: 400 } });
		const stop = await c.make().send(input('m-6', '+15005550004'));
		expect(stop).toMatchObject({ ok: false, error: { kind: 'permanent', code: c.optedOutCode } });
		expect(emulator().accepted).toBe(0);
	});

	it('classifies a refused API key and a missing sender as a misconfigured provider', async () => {
		const key = await c.make({ apiKey: 'wrong' }).send(input('m-7'));
		expect(key).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'misconfigured', httpStatus: 401 } });
		const sender = await c.make({ sender: '' }).send(input('m-8'));
		expect(sender).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'misconfigured', httpStatus: 403 } });
		emulator().down = 'auth';
		const revoked = await c.make().send(input('m-9'));
		expect(revoked).toMatchObject({ ok: false, error: { reason: 'misconfigured', accepted: 'no' } });
	});

	it('classifies 503 as an outage where the text was certainly not accepted', async () => {
		emulator().down = '503';
		const result = await c.make().send(input('m-10'));
		expect(result).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', reason: 'outage', accepted: 'no', httpStatus: 503 } });
		expect(emulator().texts.size).toBe(0);
	});

	it('classifies a timeout as an outage where the text may have been accepted', async () => {
		emulator().down = 'timeout';
		const result = await c.make({ timeoutMs: 150 }).send(input('m-11'));
		expect(result).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', accepted: 'unknown', code: 'timeout' } });
	});

	it('a 500 after accepting is ambiguous, and findDispatched then finds the text', async () => {
		emulator().down = '500-after-accept';
		const provider = c.make();
		const result = await provider.send(input('m-12'));
		expect(result).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', accepted: 'unknown', httpStatus: 500 } });
		emulator().down = null;
		const found = await provider.findDispatched({ idempotencyKey: 'm-12', to: '+15551230001', body: 'x', since: new Date(0) });
		expect(found.ok && found.value.length).toBe(1);
		expect(emulator().accepted).toBe(1);
	});

	it('a refused connection is an outage where nothing was sent', async () => {
		const server = net.createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		await new Promise((resolve) => server.close(resolve));
		const result = await c.make({ baseUrl: `http://127.0.0.1:${port}` }).send(input('m-13'));
		expect(result).toMatchObject({ ok: false, error: { kind: 'provider_unavailable', accepted: 'no', httpStatus: null } });
	});
});
