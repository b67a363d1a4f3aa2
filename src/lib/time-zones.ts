/** IANA zones for the picker: UTC first, then every zone the runtime knows. */
export function timeZoneOptions(): string[] {
	const zones = Intl.supportedValuesOf('timeZone');
	return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** True when the runtime can format dates in `zone`. */
export function isKnownTimeZone(zone: string): boolean {
	if (!zone || zone.length > 64) return false;
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

/** The browser's own zone, when the picker offers it (first visit default). */
export function browserTimeZone(offered: readonly string[]): string | null {
	try {
		const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
		return zone && offered.includes(zone) ? zone : null;
	} catch {
		return null;
	}
}
