import type { DeliveryStatus, ProviderId } from './port.ts';

/**
 * One table per HTTP provider: its raw status (matched case-insensitively) → ours.
 * sms-retail speaks lowercase words; 23telecom speaks SMPP delivery-receipt states.
 * Anything not in the table is `unknown`: stored with the raw value, applied to nothing.
 * (Twilio's table is normalizeTwilioStatus in @sms/twilio-service.)
 */
export const STATUS_TABLES: Readonly<Record<Exclude<ProviderId, 'twilio'>, Readonly<Record<string, DeliveryStatus>>>> = {
	'sms-retail': {
		delivered: 'delivered',
		sent: 'sent',
		failed: 'failed',
		undelivered: 'undelivered',
		pending: 'queued',
		queued: 'queued'
	},
	'23telecom': {
		delivrd: 'delivered',
		sent: 'sent',
		undeliv: 'undelivered',
		rejectd: 'failed',
		expired: 'failed',
		pending: 'queued'
	}
};

export function normalizeStatus(provider: Exclude<ProviderId, 'twilio'>, raw: string | null | undefined): DeliveryStatus {
	if (typeof raw !== 'string') return 'unknown';
	const table = STATUS_TABLES[provider];
	const key = raw.trim().toLowerCase();
	return Object.hasOwn(table, key) ? (table[key] ?? 'unknown') : 'unknown';
}
