/**
 * The one door a phone number from outside (a settings form, the API's `to.phone`, a contact
 * upsert, a provider's inbound From) goes through before SQL: normalised and validated once (the
 * shared rules of @sms/twilio-service), then sealed. SQL receives only the forms it stores —
 * the ciphertext, the blind index for equality and uniqueness, the last four digits and the
 * calling code (country filters) — never the number, so no SQL error or log can echo it.
 */
import { normalizePhone, PhoneNumberError, type CountryCode } from '@sms/twilio-service';
import { callingCodeOf, isE164 } from '@sms/twilio-service/validate';
import { phoneCipher, type SealedPhone } from '@sms/db';

export interface PhoneInput extends SealedPhone {
	/** "44" for +44…; null when the number's prefix is no assigned calling code. */
	callingCode: string | null;
}

/** A number as typed: national numbers are read in `defaultCountry` (the workspace's). */
export function sealPhoneInput(raw: string, defaultCountry?: CountryCode): PhoneInput {
	return sealE164(normalizePhone(raw, defaultCountry));
}

/** A number already in E.164 (a provider's webhook, a normalised import cell). */
export function sealE164(e164: string): PhoneInput {
	if (!isE164(e164)) {
		// The input is kept on the error for the caller, never put in its message.
		throw new PhoneNumberError({ code: 'invalid', input: e164, message: 'Not an E.164 phone number (+ and 7 to 15 digits).' });
	}
	return { ...phoneCipher().seal(e164), callingCode: callingCodeOf(e164) };
}
