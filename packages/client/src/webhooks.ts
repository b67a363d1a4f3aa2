import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export type WebhookEventType =
	| 'message.sent' | 'message.delivered' | 'message.failed' | 'message.suppressed'
	| 'contact.opted_out' | 'contact.opted_in'
	| 'alert.opened' | 'alert.resolved';

export interface WebhookEvent<T = Record<string, unknown>> {
	type: WebhookEventType;
	timestamp: string;
	data: T;
}

export { WebhookVerificationError };

/**
 * Verifies one of our outbound webhooks (Standard Webhooks: webhook-id, webhook-timestamp,
 * webhook-signature) against the endpoint's secret and returns the event. Pass the raw body,
 * exactly as received. Throws WebhookVerificationError when the signature or timestamp is off.
 * Use `webhook-id` to de-duplicate: a retried delivery carries the same one.
 */
export function verifyWebhook(secret: string, rawBody: string, headers: Headers | Record<string, string>): WebhookEvent {
	const h = headers instanceof Headers ? Object.fromEntries(headers.entries()) : Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
	return new Webhook(secret).verify(rawBody, h) as WebhookEvent;
}
