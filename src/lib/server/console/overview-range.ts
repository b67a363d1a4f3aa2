import { z } from 'zod';
import { instant, MessageFilterError } from './message-filters.ts';

export const RANGE_KINDS = ['today', '7d', '30d', 'custom'] as const;
export type RangeKind = (typeof RANGE_KINDS)[number];

/** The longest custom range: the chart has one bar a day. */
export const MAX_RANGE_DAYS = 366;

/** Whole local days [firstDay, lastDay] in `timeZone`, and the instants they span. */
export interface OverviewRange {
	kind: RangeKind;
	firstDay: string;
	lastDay: string;
	from: Date;
	to: Date;
	days: string[];
	timeZone: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z.string().regex(DAY, 'is not a day (use YYYY-MM-DD)').refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'is not a day');
const schema = z.object({
	range: z.enum(RANGE_KINDS, 'is not one of today, 7d, 30d, custom').default('7d'),
	from: day.optional(),
	to: day.optional()
});

/** The local calendar day of an instant in a zone, "2026-12-02". */
export function localDay(at: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function addDays(dayText: string, n: number): string {
	const d = new Date(`${dayText}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

/** ?range=today|7d|30d (ending today) or ?range=custom&from=…&to=… (inclusive days). */
export function parseOverviewRange(search: URLSearchParams, timeZone: string, now = new Date()): OverviewRange {
	const raw: Record<string, string> = {};
	for (const key of ['range', 'from', 'to']) {
		const v = search.get(key)?.trim();
		if (v) raw[key] = v;
	}
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const param = String(issue.path[0] ?? 'range');
		throw new MessageFilterError(param, `${param} ${issue.message}`);
	}
	const today = localDay(now, timeZone);
	let { range: kind, from: firstDay, to: lastDay } = parsed.data;
	if (kind === 'custom' || firstDay || lastDay) {
		kind = 'custom';
		firstDay ??= lastDay ?? today;
		lastDay ??= today;
	} else {
		lastDay = today;
		firstDay = addDays(today, kind === 'today' ? 0 : kind === '7d' ? -6 : -29);
	}
	if (firstDay > lastDay) throw new MessageFilterError('to', 'to is before from');
	const days: string[] = [];
	for (let d = firstDay; d <= lastDay; d = addDays(d, 1)) {
		days.push(d);
		if (days.length > MAX_RANGE_DAYS) throw new MessageFilterError('from', `from is more than ${MAX_RANGE_DAYS} days before to`);
	}
	return { kind, firstDay, lastDay, days, timeZone, from: instant(firstDay, timeZone, false), to: instant(lastDay, timeZone, true) };
}
