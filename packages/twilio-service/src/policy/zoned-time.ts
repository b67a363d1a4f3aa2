import { isValidTimeZone } from '../validate/time-zone.ts';
import { PolicyError } from './errors.ts';

/** A calendar date in some zone. month is 1–12. */
export interface LocalDate {
	year: number;
	month: number;
	day: number;
}

export interface LocalDateTime extends LocalDate {
	hour: number;
	minute: number;
	second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

export function assertTimeZone(tz: string): void {
	if (!isValidTimeZone(tz)) {
		throw new PolicyError({ code: 'invalid_time_zone', message: `Unknown time zone "${tz}"` });
	}
}

/** Wall-clock reading of `instant` in `timeZone`. */
export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
	assertTimeZone(timeZone);
	const parts: Record<string, number> = {};
	for (const part of formatterFor(timeZone).formatToParts(instant)) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return {
		year: parts.year as number,
		month: parts.month as number,
		day: parts.day as number,
		hour: parts.hour as number,
		minute: parts.minute as number,
		second: parts.second as number
	};
}

/** The user's calendar date at `now`, as YYYY-MM-DD (the key of their daily usage). */
export function localDate(now: Date, timeZone: string): string {
	return formatLocalDate(localDateTime(now, timeZone));
}

export function formatLocalDate(date: LocalDate): string {
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

export function addDays(date: LocalDate, days: number): LocalDate {
	const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
	return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The wall-clock reading, encoded as if it were UTC: a number to compare wall times by. */
function wallMs(t: LocalDateTime): number {
	return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/** Offset of the zone from UTC at `instantMs`, in ms (whole seconds). */
function offsetMs(instantMs: number, timeZone: string): number {
	const flooredMs = Math.floor(instantMs / 1000) * 1000;
	return wallMs(localDateTime(new Date(flooredMs), timeZone)) - flooredMs;
}

const HOUR = 3_600_000;

/**
 * The real instant at which the wall clock in `timeZone` reads `local`.
 * - Overlap (clocks went back, the time happens twice): the earlier instant.
 * - Gap (clocks went forward, the time never happens): the first instant after the gap,
 *   i.e. the moment of the transition.
 */
export function zonedTimeToInstant(local: LocalDateTime, timeZone: string): Date {
	assertTimeZone(timeZone);
	const wall = wallMs(local);
	// Offsets in force a while before and after cover any single transition near this time.
	const offsets = new Set([offsetMs(wall - 14 * HOUR, timeZone), offsetMs(wall + 14 * HOUR, timeZone)]);
	const matches = [...offsets]
		.map((offset) => wall - offset)
		.filter((instant) => wallMs(localDateTime(new Date(instant), timeZone)) === wall)
		.sort((a, b) => a - b);
	if (matches.length > 0) return new Date(matches[0] as number);
	return transitionAfterGap(wall, timeZone);
}

/** Binary-searches the instant the clock jumped over `wall` (to the second). */
function transitionAfterGap(wall: number, timeZone: string): Date {
	let before = wall - 14 * HOUR - offsetMs(wall - 14 * HOUR, timeZone); // wall time < target
	let after = wall + 14 * HOUR - offsetMs(wall + 14 * HOUR, timeZone); // wall time > target
	while (after - before > 1000) {
		const mid = Math.floor((before + after) / 2000) * 1000;
		if (wallMs(localDateTime(new Date(mid), timeZone)) < wall) before = mid;
		else after = mid;
	}
	return new Date(after);
}

/** Parses 'HH:MM' or 'HH:MM:SS' (Postgres TIME text) into seconds after midnight. */
export function parseTimeOfDay(value: string): number {
	const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value.trim());
	const hour = Number(match?.[1]);
	const minute = Number(match?.[2]);
	const second = Number(match?.[3] ?? 0);
	if (!match || hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute > 0 || second > 0))) {
		throw new PolicyError({ code: 'invalid_time', message: `"${value}" is not a time of day (HH:MM)` });
	}
	return hour * 3600 + minute * 60 + second;
}

/** A local date plus a number of seconds after its midnight, as a LocalDateTime. */
export function atSecondOfDay(date: LocalDate, seconds: number): LocalDateTime {
	const day = addDays(date, Math.floor(seconds / 86_400));
	const rest = seconds % 86_400;
	return { ...day, hour: Math.floor(rest / 3600), minute: Math.floor((rest % 3600) / 60), second: rest % 60 };
}
