/**
 * Timeline clock times: events of one text often land within the same minute, so they show
 * seconds; the date is repeated only when the local day changes. Fixed locale (en-GB) so the
 * server and the browser render the same text; a bad zone falls back to UTC.
 */
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	try {
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone });
	} catch {
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
	}
}

function localDay(at: Date, timeZone: string): string {
	return formatter(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** "12:07:31" when `previous` is on the same local day, else "Sun 22 Nov, 12:07:31". */
export function timelineClock(options: { at: string; previous: string | null; timeZone: string }): string {
	const at = new Date(options.at);
	const time = formatter(options.timeZone, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
	if (options.previous && localDay(new Date(options.previous), options.timeZone) === localDay(at, options.timeZone)) {
		return time;
	}
	const day = formatter(options.timeZone, { weekday: 'short', day: 'numeric', month: 'short' }).format(at);
	return `${day}, ${time}`;
}
