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

describe('SMSService.fetchMessage', () => {
	it('finds a message by SID, and null for an unknown SID', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client });
		const sent = await client.sendMessage({ to: '+15551290003', body: 'by sid' });
		expect((await service.fetchMessage(sent.sid))?.sid).toBe(sent.sid);
		expect(await service.fetchMessage(`SM${'0'.repeat(32)}`)).toBeNull();
	});
});

describe('SMSService.findDispatched', () => {
	it('matches body, sender and time among the messages to the number', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client });
		await client.sendMessage({ to: '+15551290004', body: 'same text' }); // an old one, from yesterday
		sandbox.state.clock.advance(24 * 3_600_000);
		const since = new Date(sandbox.state.clock.now());
		const ours = await client.sendMessage({ to: '+15551290004', body: 'same text' });
		await client.sendMessage({ to: '+15551290004', body: 'other text' });
		// Same body from another sender on the account is not ours.
		await clientFor(sandbox, { from: '+15005550007' }).sendMessage({ to: '+15551290004', body: 'same text' });

		expect((await service.findDispatched({ to: '+15551290004', body: 'same text', since })).map((m) => m.sid)).toEqual([ours.sid]);
		expect(await service.findDispatched({ to: '+15551290004', body: 'never sent', since })).toEqual([]);
		expect(await service.findDispatched({ to: '+15551299999', body: 'same text', since })).toEqual([]);
	});

	it('finds the text however many others reached the number since, sent or not yet sent', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client, listPageSize: 20 });
		const since = new Date(sandbox.state.clock.now());
		const ours = await client.sendMessage({ to: '+15551290006', body: 'the first one' });
		for (let i = 0; i < 130; i++) await client.sendMessage({ to: '+15551290006', body: `later ${i}` });
		// Not yet sent by Twilio (no date_sent): found by the newest-first pages.
		expect((await service.findDispatched({ to: '+15551290006', body: 'the first one', since })).map((m) => m.sid)).toEqual([ours.sid]);
		// Sent since: found by the DateSent pages, far behind the newest 130.
		await new Promise((r) => setTimeout(r, 50));
		expect(sandbox.state.store.get(ours.sid)?.dateSent).not.toBeNull();
		expect((await service.findDispatched({ to: '+15551290006', body: 'the first one', since })).map((m) => m.sid)).toEqual([ours.sid]);
	});

	it('returns every identical candidate', async () => {
		const client = clientFor(sandbox);
		const service = new SMSService({ client });
		const since = new Date(sandbox.state.clock.now());
		const a = await client.sendMessage({ to: '+15551290007', body: 'twice' });
		const b = await client.sendMessage({ to: '+15551290007', body: 'twice' });
		const found = await service.findDispatched({ to: '+15551290007', body: 'twice', since });
		expect(found.map((m) => m.sid).sort()).toEqual([a.sid, b.sid].sort());
	});

	it('throws a TwilioServiceError when Twilio cannot be asked', async () => {
		sandbox.state.faults = { ...sandbox.state.faults, rate503: 1 };
		const service = new SMSService({ client: clientFor(sandbox) });
		await expect(service.findDispatched({ to: '+15551290005', body: 'x', since: new Date() })).rejects.toMatchObject({
			status: 503,
			retryable: true
		});
	});
});
