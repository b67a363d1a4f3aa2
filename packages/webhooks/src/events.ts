/** The events a workspace can subscribe an endpoint to (issue 15). */
export const WEBHOOK_EVENT_TYPES = [
	'message.sent',
	'message.delivered',
	'message.failed',
	'message.suppressed',
	'contact.opted_out',
	'contact.opted_in',
	'alert.opened',
	'alert.resolved'
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(s: string): s is WebhookEventType {
	return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(s);
}

/**
 * The body every delivery carries: Standard Webhooks' recommended envelope
 * (`type`, `timestamp`, `data`). The same event keeps its `webhook-id` across retries.
 */
export interface WebhookEnvelope<T = Record<string, unknown>> {
	type: WebhookEventType;
	timestamp: string;
	data: T;
}

export function envelope<T>(type: WebhookEventType, data: T, at: Date = new Date()): WebhookEnvelope<T> {
	return { type, timestamp: at.toISOString(), data };
}
