import { describe, expect, it } from 'vitest';
import { decideDelivery, PolicyError, type Decision, type DeferReason, type DeliveryInput, type DeliveryPrefs } from './index.ts';

const basePrefs: DeliveryPrefs = {
	timeZone: 'America/New_York',
	quietHoursStart: '22:00',
	quietHoursEnd: '08:00',
	dailyLimit: 5,
	optedOut: false,
	phoneVerified: true,
	typeEnabled: true
};

type Overrides = { prefs?: Partial<DeliveryPrefs> } & Partial<Omit<DeliveryInput, 'now' | 'prefs'>>;

function decide(now: string, overrides: Overrides = {}): Decision {
	const { prefs, ...rest } = overrides;
	return decideDelivery({
		now: new Date(now),
		prefs: { ...basePrefs, ...prefs },
		type: { key: 'task_reminder', bypassesQuietHours: false },
		priority: 'normal',
		usedToday: 0,
		hardCap: 50,
		...rest
	});
}

const deferred = (until: string, reason: DeferReason): Decision => ({
	action: 'defer',
	until: new Date(until),
	reason
});

describe('decideDelivery: suppression', () => {
	it.each([
		['opted out wins over everything', { optedOut: true, phoneVerified: false, typeEnabled: false }, 'opted_out'],
		['unverified before type switch', { phoneVerified: false, typeEnabled: false }, 'unverified'],
		['type switched off', { typeEnabled: false }, 'type_disabled']
	])('%s', (_name, prefs, reason) => {
		expect(decide('2026-06-15T16:00:00Z', { prefs })).toEqual({ action: 'suppress', reason });
	});

	it('type switched off suppresses even urgent texts', () => {
		expect(
			decide('2026-06-15T16:00:00Z', { prefs: { typeEnabled: false }, priority: 'urgent' })
		).toEqual({ action: 'suppress', reason: 'type_disabled' });
	});

	it('suppression is decided before quiet hours', () => {
		expect(decide('2026-06-15T03:00:00Z', { prefs: { optedOut: true } })).toEqual({
			action: 'suppress',
			reason: 'opted_out'
		});
	});
});

describe('decideDelivery: quiet hours (New York, 22:00–08:00)', () => {
	it.each<[string, string, Partial<DeliveryPrefs>, Decision]>([
		['midday sends', '2026-06-15T16:00:00Z', {}, { action: 'send', localDate: '2026-06-15' }],
		['23:00 defers to 08:00 next day', '2026-06-15T03:00:00Z', {}, deferred('2026-06-15T12:00:00Z', 'quiet_hours')],
		['06:00 defers to 08:00 same day', '2026-06-15T10:00:00Z', {}, deferred('2026-06-15T12:00:00Z', 'quiet_hours')],
		['22:00 exactly is quiet', '2026-06-16T02:00:00Z', {}, deferred('2026-06-16T12:00:00Z', 'quiet_hours')],
		['08:00 exactly sends', '2026-06-15T12:00:00Z', {}, { action: 'send', localDate: '2026-06-15' }],
		['21:59:59 sends', '2026-06-16T01:59:59Z', {}, { action: 'send', localDate: '2026-06-15' }],
		['HH:MM:SS values', '2026-06-15T03:00:00Z', { quietHoursStart: '22:00:00', quietHoursEnd: '08:00:00' }, deferred('2026-06-15T12:00:00Z', 'quiet_hours')],
		['same-day window 13–15 at 14:00', '2026-06-15T18:00:00Z', { quietHoursStart: '13:00', quietHoursEnd: '15:00' }, deferred('2026-06-15T19:00:00Z', 'quiet_hours')],
		['same-day window at 15:00 sends', '2026-06-15T19:00:00Z', { quietHoursStart: '13:00', quietHoursEnd: '15:00' }, { action: 'send', localDate: '2026-06-15' }],
		['same-day window at 12:59 sends', '2026-06-15T16:59:00Z', { quietHoursStart: '13:00', quietHoursEnd: '15:00' }, { action: 'send', localDate: '2026-06-15' }],
		['start = end means none', '2026-06-15T03:00:00Z', { quietHoursStart: '22:00', quietHoursEnd: '22:00' }, { action: 'send', localDate: '2026-06-14' }],
		['null start means none', '2026-06-15T03:00:00Z', { quietHoursStart: null }, { action: 'send', localDate: '2026-06-14' }],
		['null end means none', '2026-06-15T03:00:00Z', { quietHoursEnd: null }, { action: 'send', localDate: '2026-06-14' }],
		['other zone: Tokyo 07:00 defers to 08:00 JST', '2026-06-14T22:00:00Z', { timeZone: 'Asia/Tokyo' }, deferred('2026-06-14T23:00:00Z', 'quiet_hours')]
	])('%s', (_name, now, prefs, expected) => {
		expect(decide(now, { prefs })).toEqual(expected);
	});

	it.each([
		['priority urgent', { priority: 'urgent' as const }],
		['type bypasses quiet hours', { type: { key: 'urgent_alert', bypassesQuietHours: true } }]
	])('%s sends during quiet hours', (_name, overrides) => {
		expect(decide('2026-06-15T03:00:00Z', overrides)).toEqual({ action: 'send', localDate: '2026-06-14' });
	});

	it.each(['low', 'normal', 'high'] as const)('priority %s does not bypass', (priority) => {
		expect(decide('2026-06-15T03:00:00Z', { priority })).toMatchObject({ action: 'defer', reason: 'quiet_hours' });
	});
});

describe('decideDelivery: DST transition days', () => {
	it.each<[string, string, string, string, string, Decision]>([
		// America/New_York springs forward 2026-03-08 02:00 EST → 03:00 EDT.
		['NY spring: end 02:30 is in the gap → 03:00 EDT', 'America/New_York', '22:00', '02:30', '2026-03-08T06:00:00Z', deferred('2026-03-08T07:00:00Z', 'quiet_hours')],
		['NY spring: end 08:00 is EDT', 'America/New_York', '22:00', '08:00', '2026-03-08T04:00:00Z', deferred('2026-03-08T12:00:00Z', 'quiet_hours')],
		// America/New_York falls back 2026-11-01 02:00 EDT → 01:00 EST.
		['NY fall: end 01:30 happens twice → earlier', 'America/New_York', '22:00', '01:30', '2026-11-01T05:00:00Z', deferred('2026-11-01T05:30:00Z', 'quiet_hours')],
		['NY fall: second 01:15 is after the window ended', 'America/New_York', '22:00', '01:30', '2026-11-01T06:15:00Z', { action: 'send', localDate: '2026-11-01' }],
		['NY fall: end 08:00 is EST', 'America/New_York', '22:00', '08:00', '2026-11-01T04:00:00Z', deferred('2026-11-01T13:00:00Z', 'quiet_hours')],
		// Europe/London springs forward 2026-03-29 01:00 GMT → 02:00 BST.
		['London spring: end 01:30 is in the gap → 02:00 BST', 'Europe/London', '23:00', '01:30', '2026-03-29T00:30:00Z', deferred('2026-03-29T01:00:00Z', 'quiet_hours')],
		['London spring: end 07:00 is BST', 'Europe/London', '23:00', '07:00', '2026-03-28T23:30:00Z', deferred('2026-03-29T06:00:00Z', 'quiet_hours')],
		// Europe/London falls back 2026-10-25 02:00 BST → 01:00 GMT.
		['London fall: end 01:30 happens twice → earlier (BST)', 'Europe/London', '23:00', '01:30', '2026-10-24T23:00:00Z', deferred('2026-10-25T00:30:00Z', 'quiet_hours')],
		['London fall: end 07:00 is GMT', 'Europe/London', '23:00', '07:00', '2026-10-24T22:30:00Z', deferred('2026-10-25T07:00:00Z', 'quiet_hours')]
	])('%s', (_name, timeZone, quietHoursStart, quietHoursEnd, now, expected) => {
		expect(decide(now, { prefs: { timeZone, quietHoursStart, quietHoursEnd } })).toEqual(expected);
	});
});

describe('decideDelivery: daily limit', () => {
	const noQuiet = { quietHoursStart: null, quietHoursEnd: null };

	it.each<[string, string, Overrides, Decision]>([
		['under the limit sends', '2026-06-15T16:00:00Z', { usedToday: 4 }, { action: 'send', localDate: '2026-06-15' }],
		['at the limit defers to next local midnight', '2026-06-15T16:00:00Z', { usedToday: 5, prefs: noQuiet }, deferred('2026-06-16T04:00:00Z', 'daily_limit')],
		['midnight inside quiet hours → quiet end', '2026-06-15T16:00:00Z', { usedToday: 5 }, deferred('2026-06-16T12:00:00Z', 'daily_limit')],
		['during quiet hours and over limit: the later instant', '2026-06-15T10:00:00Z', { usedToday: 5 }, deferred('2026-06-16T12:00:00Z', 'daily_limit')],
		['quiet end after midnight wins over limit', '2026-06-15T03:00:00Z', { usedToday: 5 }, deferred('2026-06-15T12:00:00Z', 'quiet_hours')],
		['hardCap below the user limit applies', '2026-06-15T16:00:00Z', { usedToday: 3, hardCap: 3, prefs: { ...noQuiet, dailyLimit: 10 } }, deferred('2026-06-16T04:00:00Z', 'daily_limit')],
		['urgent may exceed the user limit', '2026-06-15T16:00:00Z', { usedToday: 9, priority: 'urgent' }, { action: 'send', localDate: '2026-06-15' }],
		['urgent never exceeds hardCap, ignores quiet at midnight', '2026-06-15T16:00:00Z', { usedToday: 50, priority: 'urgent' }, deferred('2026-06-16T04:00:00Z', 'daily_limit')],
		['limit 0 always defers', '2026-06-15T16:00:00Z', { usedToday: 0, prefs: { ...noQuiet, dailyLimit: 0 } }, deferred('2026-06-16T04:00:00Z', 'daily_limit')],
		['local day, not UTC day: 23:30 EDT is still June 15', '2026-06-16T03:30:00Z', { usedToday: 5, prefs: noQuiet }, deferred('2026-06-16T04:00:00Z', 'daily_limit')],
		['midnight before spring-forward is EST', '2026-03-08T01:00:00Z', { usedToday: 5, prefs: noQuiet }, deferred('2026-03-08T05:00:00Z', 'daily_limit')],
		['midnight after spring-forward is EDT', '2026-03-08T16:00:00Z', { usedToday: 5, prefs: noQuiet }, deferred('2026-03-09T04:00:00Z', 'daily_limit')],
		['London midnight after fall-back is GMT', '2026-10-25T12:00:00Z', { usedToday: 5, prefs: { ...noQuiet, timeZone: 'Europe/London' } }, deferred('2026-10-26T00:00:00Z', 'daily_limit')],
		['a zone that skips midnight defers to the first instant of the day', '2026-03-07T17:00:00Z', { usedToday: 5, prefs: { ...noQuiet, timeZone: 'America/Havana' } }, deferred('2026-03-08T05:00:00Z', 'daily_limit')]
	])('%s', (_name, now, overrides, expected) => {
		expect(decide(now, overrides)).toEqual(expected);
	});
});

describe('decideDelivery: bad preferences', () => {
	it.each([
		['unknown zone', { timeZone: 'Mars/Olympus' }, 'invalid_time_zone'],
		['malformed quiet hours', { quietHoursStart: '25:00' }, 'invalid_time']
	])('%s throws PolicyError', (_name, prefs, code) => {
		let caught: unknown;
		try {
			decide('2026-06-15T03:00:00Z', { prefs });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(PolicyError);
		expect((caught as PolicyError).code).toBe(code);
	});
});
