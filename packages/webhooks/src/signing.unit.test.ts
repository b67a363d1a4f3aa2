import { describe, expect, it } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from './signing.ts';

describe('signWebhook', () => {
	it('produces headers the standardwebhooks verifier accepts, and only for the exact payload', () => {
		const secret = generateWebhookSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		const payload = JSON.stringify({ type: 'message.delivered', data: { id: 'm1' } });
		const headers = signWebhook({ secret, id: 'evt_1', timestamp: new Date(), payload });
		const receiver = new Webhook(secret);
		expect(receiver.verify(payload, { ...headers })).toEqual(JSON.parse(payload));
		expect(() => receiver.verify(payload.replace('m1', 'm2'), { ...headers })).toThrow(WebhookVerificationError);
		expect(() => new Webhook(generateWebhookSecret()).verify(payload, { ...headers })).toThrow(WebhookVerificationError);
	});

	it('is refused by the verifier when the timestamp is older than its tolerance (replays)', () => {
		const secret = generateWebhookSecret();
		const payload = '{"a":1}';
		const old = new Date(Date.now() - 10 * 60_000);
		const headers = signWebhook({ secret, id: 'evt_2', timestamp: old, payload });
		expect(() => new Webhook(secret).verify(payload, { ...headers })).toThrow(/timestamp/i);
	});
});
