export { SmsClient, SmsApiError, ENDPOINTS } from './client.ts';
export type { SmsClientOptions, SendOptions } from './client.ts';
export { verifyWebhook, WebhookVerificationError } from './webhooks.ts';
export type { WebhookEvent, WebhookEventType } from './webhooks.ts';
export type * from './types.ts';
