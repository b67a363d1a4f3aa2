import { describe, expect, it } from 'vitest';
import { MessageFilterError } from './message-filters.ts';
import { parseOverviewRange } from './overview-range.ts';

const now = new Date('2026-12-02T03:00:00Z'); // still 1 December in Los Angeles
const parse = (q: string, tz = 'America/Los_Angeles') => parseOverviewRange(new URLSearchParams(q), tz, now);

describe('parseOverviewRange', () => {
	it('takes presets as whole days ending today in the viewer\'s zone', () => {
		expect(parse('range=today')).toMatchObject({ kind: 'today', firstDay: '2026-12-01', lastDay: '2026-12-01',
			from: new Date('2026-12-01T08:00:00Z'), to: new Date('2026-12-02T08:00:00Z') });
		expect(parse('range=today', 'Europe/London')).toMatchObject({ firstDay: '2026-12-02', from: new Date('2026-12-02T00:00:00Z') });
		expect(parse('').kind).toBe('7d');
		expect(parse('range=7d').days).toHaveLength(7);
		expect(parse('range=30d')).toMatchObject({ firstDay: '2026-11-02', lastDay: '2026-12-01' });
	});

	it('takes a custom range of inclusive days, across a DST change', () => {
		const r = parse('range=custom&from=2026-10-31&to=2026-11-02');
		expect(r.days).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
		expect(r.from).toEqual(new Date('2026-10-31T07:00:00Z'));
		expect(r.to).toEqual(new Date('2026-11-03T08:00:00Z'));
	});

	it('names the parameter it cannot use', () => {
		const bad = (q: string) => {
			try {
				parse(q);
				return null;
			} catch (e) {
				return e instanceof MessageFilterError ? e.param : 'other';
			}
		};
		expect(bad('range=year')).toBe('range');
		expect(bad('range=custom&from=yesterday')).toBe('from');
		expect(bad('range=custom&from=2026-12-05&to=2026-12-01')).toBe('to');
		expect(bad('range=custom&from=2024-01-01&to=2026-12-01')).toBe('from');
	});
});
