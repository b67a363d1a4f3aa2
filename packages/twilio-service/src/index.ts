// Public surface of @sms/twilio-service: pure domain modules plus the Twilio client.
export * from './client/index.ts';
