import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';

/**
 * Which numbers a verification code may be sent to (SMS pumping: fraudsters have codes sent to
 * premium-rate or far-away numbers they are paid for). Uses libphonenumber's full ("max")
 * metadata, the only one that knows number types.
 */
export interface NumberPolicy {
	/** ISO country codes codes may go to (VERIFICATION_COUNTRIES; default: DEFAULT_COUNTRY). */
	allowedCountries: readonly string[];
	/** Twilio's +1 500 555 test numbers, accepted only when talking to the sandbox. */
	allowTestNumbers?: boolean;
}

export type NumberVerdict =
	| { allowed: true; country: string | null; callingCode: string }
	| { allowed: false; reason: 'number_type' | 'country'; message: string };

const TEST_NUMBER = /^\+1500555\d{4}$/;

// Types a text reaches. NANP numbers cannot be told apart (FIXED_LINE_OR_MOBILE).
const TEXTABLE: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

const TYPE_MESSAGES: Partial<Record<NonNullable<NumberType>, string>> = {
	PREMIUM_RATE: 'This is a premium-rate number. Codes are only sent to mobile numbers.',
	SHARED_COST: 'This is a shared-cost (premium) number. Codes are only sent to mobile numbers.',
	TOLL_FREE: 'This is a toll-free number, which cannot receive codes. Use a mobile number.',
	FIXED_LINE: 'This looks like a landline, which cannot receive texts. Use a mobile number.',
	VOIP: 'Internet (VoIP) numbers cannot receive codes. Use a mobile number.',
	PAGER: 'Pager numbers cannot receive codes. Use a mobile number.',
	PERSONAL_NUMBER: 'Personal (forwarding) numbers cannot receive codes. Use a mobile number.',
	UAN: 'Company (UAN) numbers cannot receive codes. Use a mobile number.',
	VOICEMAIL: 'Voicemail numbers cannot receive codes. Use a mobile number.'
};

/** May a verification code be sent to this E.164 number? */
export function checkVerificationNumber(e164: string, policy: NumberPolicy): NumberVerdict {
	if (policy.allowTestNumbers && TEST_NUMBER.test(e164)) return { allowed: true, country: 'US', callingCode: '1' };
	const parsed = parsePhoneNumberFromString(e164);
	if (!parsed) {
		return { allowed: false, reason: 'number_type', message: 'This number cannot receive text messages. Check it, or use a mobile number.' };
	}
	const country = parsed.country ?? null;
	const allowed = policy.allowedCountries.map((c) => c.toUpperCase());
	if (!country || !allowed.includes(country)) {
		return {
			allowed: false,
			reason: 'country',
			message: `We do not send codes to this country${country ? '' : ' or network'}. Use a mobile number from ${allowed.join(', ') || 'a supported country'}.`
		};
	}
	const type = parsed.getType();
	if (!type || !TEXTABLE.has(type)) {
		return {
			allowed: false,
			reason: 'number_type',
			message: (type && TYPE_MESSAGES[type]) ?? 'We could not confirm this is a mobile number. Use a mobile number.'
		};
	}
	return { allowed: true, country, callingCode: parsed.countryCallingCode };
}
