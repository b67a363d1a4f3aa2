// Twilio client layer: the SDK wrapper, the sandbox redirect, typed errors and SMSService.
export * from './redirect-request-client.ts';
export * from './twilio-client.ts';
export * from './twilio-service-error.ts';
export * from './twilio-config-error.ts';
export { toServiceError } from './to-service-error.ts';
export * from './sms-service.ts';
export type * from './types.ts';
