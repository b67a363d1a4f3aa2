import { quietHoursEnd } from './quiet-hours.ts';
import { addDays, assertTimeZone, localDate, localDateTime, zonedTimeToInstant } from './zoned-time.ts';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface DeliveryPrefs {
	timeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	dailyLimit: number;
	optedOut: boolean;
	phoneVerified: boolean;
	/** The user's on/off switch for this notification type. */
	typeEnabled: boolean;
}

export interface DeliveryInput {
	now: Date;
	prefs: DeliveryPrefs;
	type: { key: string; bypassesQuietHours: boolean };
	priority: Priority;
	/** Texts already counted against the user's current local day. */
	usedToday: number;
	/** Absolute per-user daily ceiling set by the operator; nothing exceeds it. */
	hardCap: number;
}

export type SuppressReason = 'opted_out' | 'unverified' | 'type_disabled';
export type DeferReason = 'quiet_hours' | 'daily_limit';

export type Decision =
	| { action: 'send'; localDate: string }
	| { action: 'defer'; until: Date; reason: DeferReason }
	| { action: 'suppress'; reason: SuppressReason };

/**
 * What to do with a text right now, given the recipient's preferences.
 *
 * 1. Suppress, in this order: opted out, phone not verified, type switched off.
 *    A type the user switched off suppresses even urgent texts: "off" is their explicit choice,
 *    and urgency is about timing, not consent.
 * 2. Urgent (type bypasses quiet hours, or priority 'urgent') ignores quiet hours and the
 *    user's daily limit, but never the operator's hardCap.
 * 3. Quiet hours defer to the end of the window; an exhausted daily limit (per LOCAL day)
 *    defers to the next local midnight, or to the end of the quiet hours that midnight falls
 *    in. When both apply, the later instant wins (quiet hours on a tie: the limit has reset by
 *    then), so one deferral is enough.
 *    A daily limit of 0 therefore defers every day: it never sends, but is not a suppression.
 */
export function decideDelivery(input: DeliveryInput): Decision {
	const { now, prefs } = input;
	assertTimeZone(prefs.timeZone);

	if (prefs.optedOut) return { action: 'suppress', reason: 'opted_out' };
	if (!prefs.phoneVerified) return { action: 'suppress', reason: 'unverified' };
	if (!prefs.typeEnabled) return { action: 'suppress', reason: 'type_disabled' };

	const urgent = input.type.bypassesQuietHours || input.priority === 'urgent';
	const quiet = { timeZone: prefs.timeZone, start: prefs.quietHoursStart, end: prefs.quietHoursEnd };

	const quietUntil = urgent ? null : quietHoursEnd(now, quiet);
	const limit = urgent ? input.hardCap : Math.min(prefs.dailyLimit, input.hardCap);
	let limitUntil: Date | null = null;
	if (input.usedToday >= limit) {
		const midnight = nextLocalMidnight(now, prefs.timeZone);
		limitUntil = (urgent ? null : quietHoursEnd(midnight, quiet)) ?? midnight;
	}

	if (limitUntil && (!quietUntil || limitUntil.getTime() > quietUntil.getTime())) {
		return { action: 'defer', until: limitUntil, reason: 'daily_limit' };
	}
	if (quietUntil) return { action: 'defer', until: quietUntil, reason: 'quiet_hours' };
	return { action: 'send', localDate: localDate(now, prefs.timeZone) };
}

/** Start of the user's next calendar day (a zone whose midnight is skipped by DST starts later). */
export function nextLocalMidnight(now: Date, timeZone: string): Date {
	const local = localDateTime(now, timeZone);
	const tomorrow = addDays(local, 1);
	return zonedTimeToInstant({ ...tomorrow, hour: 0, minute: 0, second: 0 }, timeZone);
}
