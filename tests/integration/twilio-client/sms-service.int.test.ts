import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '@sms/twilio-sandbox';
import { SMSService, TwilioServiceError } from '@sms/twilio-service';
import { clientFor, MESSAGING_SID, startClientSandbox } from './sandbox.ts';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startClientSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

describe('SMSService.send', () => {
	it('returns the SID, Twilio status and segments', async () => {
		const service = new SMSService({ client: clientFor(sandbox) });
		const result = await service.send({ to: '+15551290001', body: 'é'.repeat(10) + '€', statusCallbackUrl: 'http://127.0.0.1:9/s' });
		expect(result).toMatchObject({ ok: true, providerStatus: 'queued', segments: 1, price: null, priceUnit: 'USD' });
		if (!result.ok) throw result.error;
		expect(sandbox.state.store.get(result.sid)?.statusCallback).toBe('http://127.0.0.1:9/s');
	});

	it('counts segments itself when the Messaging Service reports 0', async () => {
		const service = new SMSService({ client: clientFor(sandbox, { messagingServiceSid: MESSAGING_SID }) });
		const result = await service.send({ to: '+15551290002', body: 'x'.repeat(200) });
		expect(result).toMatchObject({ ok: true, segments: 2 });
	});

	it('never throws for Twilio errors', async () => {
		const service = new SMSService({ client: clientFor(sandbox) });
		const result = await service.send({ to: '+15005550004', body: 'x' });
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.error).toBeInstanceOf(TwilioServiceError);
		expect(result.error).toMatchObject({ code: 21610, retryable: false });
	});
});

describe('SMSService.lookupDispatched', () => {
	it('finds a message by SID, and null for an unknown SID', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client });
		const sent = await client.sendMessage({ to: '+15551290003', body: 'by sid' });
		const since = new Date();
		expect((await service.lookupDispatched({ sid: sent.sid, to: '+15551290003', body: 'by sid', since }))?.sid).toBe(sent.sid);
		expect(await service.lookupDispatched({ sid: `SM${'0'.repeat(32)}`, to: '+15551290003', body: 'by sid', since })).toBeNull();
	});

	it('without a SID, matches body and time among recent messages to the number', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client });
		await client.sendMessage({ to: '+15551290004', body: 'same text' }); // an old one, from yesterday
		sandbox.state.clock.advance(24 * 3_600_000);
		const since = new Date(sandbox.state.clock.now());
		const ours = await client.sendMessage({ to: '+15551290004', body: 'same text' });
		await client.sendMessage({ to: '+15551290004', body: 'other text' });

		expect((await service.lookupDispatched({ to: '+15551290004', body: 'same text', since }))?.sid).toBe(ours.sid);
		expect(await service.lookupDispatched({ to: '+15551290004', body: 'never sent', since })).toBeNull();
		expect(await service.lookupDispatched({ to: '+15551299999', body: 'same text', since })).toBeNull();
	});

	it('throws a TwilioServiceError when Twilio cannot be asked', async () => {
		sandbox.state.faults = { ...sandbox.state.faults, rate503: 1 };
		const service = new SMSService({ client: clientFor(sandbox) });
		await expect(service.lookupDispatched({ to: '+15551290005', body: 'x', since: new Date() })).rejects.toMatchObject({
			status: 503,
			retryable: true
		});
	});
});
