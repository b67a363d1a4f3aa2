export { formParams, signTwilioRequest, twilioBodyHash, twilioWebhookUrl, validateTwilioRequest } from './signature.ts';
export type { FormParams, ValidateTwilioRequestInput, WebhookUrlParts } from './signature.ts';
