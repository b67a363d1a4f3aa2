import { isValidTimeZone } from '@sms/twilio-service';

export interface UsableTimeZone {
	/** The zone to show and decide in: the saved one, or UTC when it is unusable. */
	timeZone: string;
	/** A saved zone this server cannot use (e.g. 'Factory' written through SQL), for a warning. */
	unsupportedTimeZone: string | null;
}

/** One bad row must not break a page: an unusable zone reads as UTC, with a warning. */
export function usableTimeZone(saved: string | null | undefined): UsableTimeZone {
	const zone = saved ?? 'UTC';
	return isValidTimeZone(zone) ? { timeZone: zone, unsupportedTimeZone: null } : { timeZone: 'UTC', unsupportedTimeZone: zone };
}
