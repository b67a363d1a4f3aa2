const OPTIONS: Intl.DateTimeFormatOptions = {
	weekday: 'short',
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	hour: '2-digit',
	minute: '2-digit',
	timeZoneName: 'short'
};

// Building an Intl.DateTimeFormat costs far more than using one (a page formats 50 times).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
	let f = formatters.get(timeZone);
	if (!f) {
		try {
			f = new Intl.DateTimeFormat('en-GB', { ...OPTIONS, timeZone });
		} catch {
			f = formatter('UTC');
		}
		if (formatters.size < 1000) formatters.set(timeZone, f);
	}
	return f;
}

/** "Thu 12 Feb 2026, 15:45 GMT" in the given IANA zone (falls back to UTC for a bad zone). */
export function formatTime(at: Date, timeZone: string): string {
	return formatter(timeZone).format(at);
}

/** First line-ish of the body, cut on a word boundary. */
export function previewOf(body: string, max = 80): string {
	const flat = body.replace(/\s+/g, ' ').trim();
	if (flat.length <= max) return flat;
	const cut = flat.slice(0, max - 1);
	const space = cut.lastIndexOf(' ');
	return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
