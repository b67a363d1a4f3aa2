export { handleStatusCallback, applyStatusReport } from './status-callback.ts';
export { handleIncomingText, replyFor, type IncomingContext } from './incoming.ts';
export type { WebhookContext, WebhookRequest } from './context.ts';
export { WebhookError, type WebhookErrorCode } from './errors.ts';
export { classifyKeyword } from './keywords.ts';
