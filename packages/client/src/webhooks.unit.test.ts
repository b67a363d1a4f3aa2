import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook } from '../../webhooks/src/index.ts';
import { verifyWebhook, WebhookVerificationError } from './webhooks.ts';

describe('verifyWebhook', () => {
	it('accepts what our server signs and refuses a changed body', () => {
		const secret = generateWebhookSecret();
		const body = JSON.stringify({ type: 'message.delivered', timestamp: new Date().toISOString(), data: { id: 'm1' } });
		const headers = new Headers({ ...signWebhook({ secret, id: 'msg_1', timestamp: new Date(), payload: body }) });
		expect(verifyWebhook(secret, body, headers)).toMatchObject({ type: 'message.delivered', data: { id: 'm1' } });
		expect(() => verifyWebhook(secret, body.replace('m1', 'm2'), headers)).toThrow(WebhookVerificationError);
	});
});
