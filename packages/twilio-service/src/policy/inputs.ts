import type { DeliveryPrefs } from './decide.ts';

/** What is stored about a recipient, as the worker and the settings page both read it. */
export interface RecipientState {
	timeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	dailyLimit: number;
	/** The user's own opt-out switch. */
	userOptedOut: boolean;
	/** A STOP (or carrier opt-out) recorded for the destination number, by whoever held it. */
	numberOptedOut: boolean;
	phoneVerified: boolean;
	typeEnabled: boolean;
}

/**
 * The one place that turns stored state into decideDelivery's preferences. Opted out means the
 * user's switch OR a STOP sent from the phone: the worker honours both, so the settings page's
 * preview must too.
 */
export function deliveryPrefs(state: RecipientState): DeliveryPrefs {
	return {
		timeZone: state.timeZone,
		quietHoursStart: state.quietHoursStart,
		quietHoursEnd: state.quietHoursEnd,
		dailyLimit: state.dailyLimit,
		optedOut: state.userOptedOut || state.numberOptedOut,
		phoneVerified: state.phoneVerified,
		typeEnabled: state.typeEnabled
	};
}
