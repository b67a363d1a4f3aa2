// Twilio client layer: the SDK wrapper, the sandbox redirect, typed errors and SMSService.
export * from './redirect-request-client.ts';
