import { describe, expect, it } from 'vitest';
import { decideDelivery } from './decide.ts';
import { deliveryPrefs, type RecipientState } from './inputs.ts';

const state: RecipientState = {
	timeZone: 'UTC',
	quietHoursStart: null,
	quietHoursEnd: null,
	dailyLimit: 10,
	userOptedOut: false,
	numberOptedOut: false,
	phoneVerified: true,
	typeEnabled: true
};
const decide = (s: RecipientState) =>
	decideDelivery({ now: new Date('2026-12-01T12:00:00Z'), prefs: deliveryPrefs(s), type: { key: 'custom', bypassesQuietHours: false }, priority: 'normal', usedToday: 0, hardCap: 50 });

describe('deliveryPrefs: the decision inputs the worker and the settings preview share', () => {
	it.each([
		{ userOptedOut: false, numberOptedOut: false, action: 'send' },
		{ userOptedOut: true, numberOptedOut: false, action: 'suppress' },
		// A STOP sent from the phone suppresses even when the account switch is on.
		{ userOptedOut: false, numberOptedOut: true, action: 'suppress' },
		{ userOptedOut: true, numberOptedOut: true, action: 'suppress' }
	])('user opted out $userOptedOut, number STOPped $numberOptedOut → $action', ({ userOptedOut, numberOptedOut, action }) => {
		expect(decide({ ...state, userOptedOut, numberOptedOut }).action).toBe(action);
	});
});
