export { isTwilioTestNumber, normalizePhone, phoneCountry } from './phone.ts';
export type { CountryCode } from './phone.ts';
export { PhoneNumberError } from './errors.ts';
export type { PhoneNumberErrorCode } from './errors.ts';
