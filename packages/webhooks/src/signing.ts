import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret in the Standard Webhooks format (`whsec_` + base64 of 32 random bytes). */
export function generateWebhookSecret(): string {
	return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignOptions {
	secret: string;
	/** The event's id: the same on every retry, so receivers can de-duplicate. */
	id: string;
	timestamp: Date;
	payload: string;
}

export interface SignedHeaders {
	'webhook-id': string;
	'webhook-timestamp': string;
	'webhook-signature': string;
}

/** Headers for one delivery attempt, signed with the `standardwebhooks` reference implementation. */
export function signWebhook({ secret, id, timestamp, payload }: SignOptions): SignedHeaders {
	const wh = new Webhook(secret);
	return {
		'webhook-id': id,
		'webhook-timestamp': Math.floor(timestamp.getTime() / 1000).toString(),
		'webhook-signature': wh.sign(id, timestamp, payload)
	};
}
