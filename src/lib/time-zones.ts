/** IANA zones for the picker: UTC first, then every zone the runtime knows. */
export function timeZoneOptions(): string[] {
	const zones = Intl.supportedValuesOf('timeZone');
	return ['UTC', ...zones.filter((z) => z !== 'UTC')];
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
