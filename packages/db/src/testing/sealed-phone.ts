/**
 * Sealed phone numbers for test fixtures (the send path stores no clear number: contract in
 * docs/phone-encryption-send-path.md). The keys are the tests' own (vite.config.ts `test.env`).
 * Sealing is randomized (a fresh IV each time): compare numbers by hash or by opening, never
 * by ciphertext.
 */
import { callingCodeOf } from '@sms/twilio-service/validate';
import { phoneCipher } from '../phone-crypto.ts';

/** The shape of public.sealed_phone and of the JSON key `phone_sealed`. */
export interface SealedPhoneValue {
	enc: string;
	hash: string;
	last4: string;
	calling_code: string | null;
}

/** The four sealed columns, as named in the five send-path tables. */
export interface PhoneColumns {
	phone_enc: string;
	phone_hash: string;
	phone_last4: string;
	calling_code: string | null;
}

export function sealedPhone(e164: string): SealedPhoneValue {
	const s = phoneCipher().seal(e164);
	return { enc: s.enc, hash: s.hash, last4: s.last4, calling_code: callingCodeOf(e164) };
}

/** For inserts: sql`insert into public.contacts ${sql({ ...other, ...phoneColumns(x) })}`. */
export function phoneColumns(e164: string): PhoneColumns {
	const s = sealedPhone(e164);
	return { phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4, calling_code: s.calling_code };
}

export function phoneHash(e164: string): string {
	return phoneCipher().blindIndex(e164);
}

export function openPhone(enc: string): string {
	return phoneCipher().decrypt(enc);
}

/**
 * The composite literal of public.sealed_phone, for a SQL parameter:
 * sql`select public.set_verified_phone(${id}, ${sealedPhoneText(x)}::public.sealed_phone)`.
 * (Sealed values are base64url with dots: nothing in them needs quoting.)
 */
export function sealedPhoneText(e164: string): string {
	const s = sealedPhone(e164);
	return `(${s.enc},${s.hash},${s.last4},${s.calling_code ?? ''})`;
}
