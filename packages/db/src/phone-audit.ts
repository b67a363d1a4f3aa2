/**
 * Numbers in the audit log's before/after (public.audit_log). Contact rows written before the
 * send path was sealed hold `"phone_number": "+1…"`; sealed, they take the shape rows written
 * since have (`phone_enc` + `phone_hash`), so forget_contact and the audit page meet one shape.
 * Any other string holding an E.164-looking number is sealed where it stands (an old contact's
 * name that was its number, say). A workspace's own sender numbers stay as they are (public).
 *
 * The rows are rewritten only through internal.reseal_audit_phones (20261205100000), whose
 * trigger check lets exactly these changes through.
 */
import { PhoneCipher, isSealedPhone } from './phone-crypto.ts';
import { AUDIT_CLEAR_BY_DESIGN_KEYS } from './phone-columns.ts';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const E164 = /^\+[1-9]\d{6,14}$/;
const NUMBER_IN_TEXT = /\+[1-9]\d{6,14}/;

function sealLeaves(cipher: PhoneCipher, value: Json): Json {
	if (typeof value === 'string') return !isSealedPhone(value) && NUMBER_IN_TEXT.test(value) ? cipher.encrypt(value) : value;
	if (Array.isArray(value)) return value.map((v) => sealLeaves(cipher, v));
	if (value && typeof value === 'object') {
		const out: { [k: string]: Json } = {};
		for (const [k, v] of Object.entries(value)) out[k] = sealLeaves(cipher, v);
		return out;
	}
	return value;
}

/** A copy of an audit before/after with every number sealed (already sealed values kept). */
export function sealAuditJson<T>(cipher: PhoneCipher, value: T): T {
	if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
		return sealLeaves(cipher, value as Json) as T;
	}
	const row = { ...(value as { [k: string]: Json }) };
	const clear = row.phone_number;
	if (typeof clear === 'string' && E164.test(clear) && !('phone_enc' in row) && !('phone_hash' in row)) {
		const s = cipher.seal(clear);
		delete row.phone_number;
		row.phone_enc = s.enc;
		row.phone_hash = s.hash;
	}
	const out: { [k: string]: Json } = {};
	for (const [k, v] of Object.entries(row)) out[k] = AUDIT_CLEAR_BY_DESIGN_KEYS.includes(k) ? v : sealLeaves(cipher, v);
	return out as T;
}
