// @sms/providers: the provider port, its adapters (Twilio, sms-retail, 23telecom) and the
// pure delivery-webhook logic (detection, normalisation, verification).
export * from './port.ts';
export * from './errors.ts';
export { normalizeStatus, STATUS_TABLES } from './normalize.ts';
export type { FetchLike, HttpProviderConfig } from './http.ts';
export { SmsRetailProvider } from './sms-retail.ts';
export { Telecom23Provider } from './telecom23.ts';
export { TwilioProvider, fromTwilioError, type TwilioSender } from './twilio.ts';
export * from './webhook/index.ts';
export * from './routing/index.ts';
