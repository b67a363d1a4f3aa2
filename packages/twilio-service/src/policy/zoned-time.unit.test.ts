import { describe, expect, it } from 'vitest';
import { localDate, parseTimeOfDay, zonedTimeToInstant } from './index.ts';
import { PolicyError } from './errors.ts';

const at = (date: string, time: string) => {
	const [year, month, day] = date.split('-').map(Number) as [number, number, number];
	const [hour, minute, second = 0] = time.split(':').map(Number) as [number, number, number?];
	return { year, month, day, hour, minute, second };
};

describe('zonedTimeToInstant', () => {
	it.each([
		['ordinary summer time', 'Europe/London', '2026-07-01', '08:00', '2026-07-01T07:00:00.000Z'],
		['UTC', 'UTC', '2026-07-01', '08:00', '2026-07-01T08:00:00.000Z'],
		['half-hour offset', 'Asia/Kolkata', '2026-01-01', '08:00', '2026-01-01T02:30:00.000Z'],
		['NY just before the gap', 'America/New_York', '2026-03-08', '01:59', '2026-03-08T06:59:00.000Z'],
		['NY inside the gap → transition', 'America/New_York', '2026-03-08', '02:30', '2026-03-08T07:00:00.000Z'],
		['NY gap start → transition', 'America/New_York', '2026-03-08', '02:00', '2026-03-08T07:00:00.000Z'],
		['NY right after the gap', 'America/New_York', '2026-03-08', '03:00', '2026-03-08T07:00:00.000Z'],
		['NY overlap → earlier (EDT)', 'America/New_York', '2026-11-01', '01:30', '2026-11-01T05:30:00.000Z'],
		['NY after overlap', 'America/New_York', '2026-11-01', '02:00', '2026-11-01T07:00:00.000Z'],
		['London gap → transition', 'Europe/London', '2026-03-29', '01:30', '2026-03-29T01:00:00.000Z'],
		['London overlap → earlier (BST)', 'Europe/London', '2026-10-25', '01:30', '2026-10-25T00:30:00.000Z'],
		['Havana skips midnight', 'America/Havana', '2026-03-08', '00:00', '2026-03-08T05:00:00.000Z']
	])('%s', (_name, zone, date, time, expected) => {
		expect(zonedTimeToInstant(at(date, time), zone).toISOString()).toBe(expected);
	});
});

describe('localDate', () => {
	it.each([
		['2026-03-08T04:59:59Z', 'America/New_York', '2026-03-07'],
		['2026-03-08T05:00:00Z', 'America/New_York', '2026-03-08'],
		['2026-06-14T15:30:00Z', 'Asia/Tokyo', '2026-06-15'],
		['2026-10-24T23:30:00Z', 'Europe/London', '2026-10-25'],
		['2026-12-31T23:59:59Z', 'UTC', '2026-12-31']
	])('%s in %s is %s', (instant, zone, expected) => {
		expect(localDate(new Date(instant), zone)).toBe(expected);
	});

	it('rejects an unknown zone with a typed error', () => {
		expect(() => localDate(new Date(), 'Mars/Olympus')).toThrow(PolicyError);
	});
});

describe('parseTimeOfDay', () => {
	it.each([
		['08:00', 8 * 3600],
		['8:05', 8 * 3600 + 300],
		['22:00:30', 22 * 3600 + 30],
		['23:59:59.5', 86_399],
		['00:00', 0],
		['24:00', 86_400]
	])('%s → %i', (value, seconds) => {
		expect(parseTimeOfDay(value)).toBe(seconds);
	});

	it.each(['25:00', '12:60', '24:01', 'noon', '', '1200'])('rejects %j', (value) => {
		expect(() => parseTimeOfDay(value)).toThrow(PolicyError);
	});
});
