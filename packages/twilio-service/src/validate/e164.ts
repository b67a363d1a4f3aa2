/**
 * E.164: "+", a non-zero country digit, then 6 to 14 more digits (7–15 in all; the shortest
 * real numbers have 7). The same pattern as SQL public.is_e164 — parity-checked in
 * supabase/tests/validators-parity.test.ts. Shape only: whether the number exists is
 * libphonenumber's job (normalizePhone).
 */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export function isE164(value: unknown): value is string {
	return typeof value === 'string' && E164_PATTERN.test(value);
}
