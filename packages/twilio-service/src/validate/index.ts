// Input checks shared by the web app, the worker and the sandbox. Browser-safe (no twilio SDK):
// import from '@sms/twilio-service/validate' in code that may reach the client.
export { E164_PATTERN, isE164 } from './e164.ts';
export { isValidTimeZone } from './time-zone.ts';
export { mediaType } from './media-type.ts';
export { callingCodeOf } from './calling-code.ts';
