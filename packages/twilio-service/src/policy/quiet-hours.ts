import {
	addDays,
	atSecondOfDay,
	localDateTime,
	parseTimeOfDay,
	zonedTimeToInstant,
	type LocalDate
} from './zoned-time.ts';

export interface QuietHours {
	timeZone: string;
	/** 'HH:MM' or 'HH:MM:SS' in the user's zone; null (either) or start = end means none. */
	start: string | null;
	end: string | null;
}

/**
 * If `instant` falls inside the user's quiet hours, the real instant those quiet hours end;
 * otherwise null. Windows may wrap midnight (22:00–08:00) or sit within a day (13:00–15:00).
 * The end is a local wall time converted to an instant, so DST gaps/overlaps are handled by
 * zonedTimeToInstant (first instant after a gap; earlier of two in an overlap).
 */
export function quietHoursEnd(instant: Date, quiet: QuietHours): Date | null {
	if (quiet.start === null || quiet.end === null) return null;
	const start = parseTimeOfDay(quiet.start);
	const end = parseTimeOfDay(quiet.end);
	if (start === end) return null;

	const local = localDateTime(instant, quiet.timeZone);
	const today: LocalDate = { year: local.year, month: local.month, day: local.day };
	const now = local.hour * 3600 + local.minute * 60 + local.second;

	let endDate: LocalDate;
	if (start < end) {
		if (now < start || now >= end) return null;
		endDate = today;
	} else if (now >= start) {
		endDate = addDays(today, 1);
	} else if (now < end) {
		endDate = today;
	} else {
		return null;
	}
	const until = zonedTimeToInstant(atSecondOfDay(endDate, end), quiet.timeZone);
	// On a fall-back night the local end time can already have passed once (we take the
	// earlier of the two instants); then the window is over in real time.
	return until.getTime() > instant.getTime() ? until : null;
}
