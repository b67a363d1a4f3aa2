const known = new Map<string, boolean>();

/**
 * Whether `zone` is an IANA time zone this runtime can format dates in ("Europe/London",
 * "UTC"). The one time-zone check of the app (forms, preferences, the worker's policy);
 * SQL's public.is_valid_time_zone is the database's, parity-checked in
 * supabase/tests/validators-parity.test.ts. Change what "valid" means here, and only here.
 */
export function isValidTimeZone(zone: unknown): zone is string {
	if (typeof zone !== 'string' || zone.trim() === '' || zone.length > 64) return false;
	let ok = known.get(zone);
	if (ok === undefined) {
		try {
			new Intl.DateTimeFormat('en-US', { timeZone: zone });
			ok = true;
		} catch {
			ok = false;
		}
		if (known.size < 1_000) known.set(zone, ok);
	}
	return ok;
}
