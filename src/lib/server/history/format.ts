/** "Thu 12 Feb 2026, 15:45 GMT" in the given IANA zone (falls back to UTC for a bad zone). */
export function formatTime(at: Date, timeZone: string): string {
	const options: Intl.DateTimeFormatOptions = {
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		timeZoneName: 'short'
	};
	try {
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(at);
	} catch {
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(at);
	}
}

/** First line-ish of the body, cut on a word boundary. */
export function previewOf(body: string, max = 80): string {
	const flat = body.replace(/\s+/g, ' ').trim();
	if (flat.length <= max) return flat;
	const cut = flat.slice(0, max - 1);
	const space = cut.lastIndexOf(' ');
	return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
