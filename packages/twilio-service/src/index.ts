// Public surface of @sms/twilio-service: pure domain modules plus the Twilio client.
export * from './segments/index.ts';
export * from './template/index.ts';
export * from './phone/index.ts';
export * from './errors/index.ts';
export * from './policy/index.ts';
export * from './status/index.ts';
export * from './webhook/index.ts';
export * from './validate/index.ts';
export * from './client/index.ts';
