/**
 * Raw provider payloads (sms_delivery_events.payload, kept for the delivery log) carry the
 * numbers a text went to and came from. Those fields are stored sealed like every other number,
 * and opened only for members allowed to see numbers.
 */
import { PhoneCipher, isSealedPhone } from './phone-crypto.ts';

/** Field names providers use for a number (Twilio To/From, the others' destination/msisdn…). */
const NUMBER_KEYS = new Set(['to', 'from', 'destination', 'source', 'msisdn', 'recipient', 'sender', 'phone', 'phone_number', 'number', 'called', 'caller']);
const E164_LIKE = /^\+[1-9]\d{6,14}$/;

function looksLikeNumber(key: string, value: string): boolean {
	if (E164_LIKE.test(value)) return true;
	return NUMBER_KEYS.has(key.toLowerCase()) && (value.match(/\d/g)?.length ?? 0) >= 7;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function walk(value: Json, key: string, leaf: (key: string, value: string) => string): Json {
	if (typeof value === 'string') return leaf(key, value);
	if (Array.isArray(value)) return value.map((v) => walk(v, key, leaf));
	if (value && typeof value === 'object') {
		const out: { [k: string]: Json } = {};
		for (const [k, v] of Object.entries(value)) out[k] = walk(v, k, leaf);
		return out;
	}
	return value;
}

/** A copy of the payload with every number-looking field encrypted (already sealed ones kept). */
export function sealPayload<T>(cipher: PhoneCipher, payload: T): T {
	if (payload === null || payload === undefined) return payload;
	return walk(payload as Json, '', (k, v) => (!isSealedPhone(v) && looksLikeNumber(k, v) ? cipher.encrypt(v) : v)) as T;
}

/** For members allowed to see numbers: the sealed fields decrypted. */
export function openPayload<T>(cipher: PhoneCipher, payload: T): T {
	if (payload === null || payload === undefined) return payload;
	return walk(payload as Json, '', (_k, v) => {
		if (!isSealedPhone(v)) return v;
		try {
			return cipher.decrypt(v);
		} catch {
			return '(number encrypted with a key that is no longer configured)';
		}
	}) as T;
}

/** For everyone else: the sealed fields shown as hidden (never the ciphertext either). */
export function maskPayload<T>(payload: T): T {
	if (payload === null || payload === undefined) return payload;
	return walk(payload as Json, '', (_k, v) => (isSealedPhone(v) ? '•••• (hidden)' : v)) as T;
}

/** Re-encrypts sealed fields not under the current key; returns null when nothing changed. */
export function rotatePayload<T>(cipher: PhoneCipher, payload: T): T | null {
	let changed = false;
	const out = walk(payload as Json, '', (_k, v) => {
		if (!isSealedPhone(v) || PhoneCipher.keyIdOf(v) === cipher.currentKeyId) return v;
		changed = true;
		return cipher.encrypt(cipher.decrypt(v));
	}) as T;
	return changed ? out : null;
}
