import {
	explainError,
	isMessageStatus,
	normalizeTwilioStatus,
	verdictFor,
	type MessageStatus
} from '@sms/twilio-service';
import type { HistoryFailure, HistoryItem, TimelineEntry } from '$lib/components/history/types';
import type { HistoryRow } from '$lib/server/sms/history-query';
import { formatTime, previewOf } from './format.ts';
import type { EventRow } from './timeline.ts';

/** The few words in "Not sent (…)". */
const SHORT_REASON: Record<string, string> = {
	opted_out: 'opted out',
	unverified: 'phone not verified',
	no_phone: 'no phone number',
	type_disabled: 'switched off',
	expired: 'expired',
	canceled: 'canceled',
	retries_exhausted: 'gave up'
};

const EVENT_LABEL: Record<string, string> = {
	pending: 'Waiting to be sent',
	scheduled: 'Scheduled',
	dispatching: 'Handed to the SMS provider',
	queued: 'Queued by the SMS provider',
	sending: 'Sending to the carrier',
	sent: 'Sent to the carrier',
	delivered: 'Delivered to the phone',
	undelivered: 'Carrier could not deliver',
	failed: 'Failed',
	suppressed: 'Not sent',
	canceled: 'Canceled',
	received: 'Received'
};

function failureOf(row: HistoryRow, detail: string): HistoryFailure | null {
	if (row.status !== 'failed' && row.status !== 'undelivered') return null;
	if (row.error_code === null) {
		return { code: null, title: 'Not delivered', explanation: detail, action: '' };
	}
	const e = explainError(row.error_code);
	return { code: e.code, title: e.title, explanation: e.explanation, action: e.action };
}

function timelineOf(row: HistoryRow, events: EventRow[], timeZone: string): TimelineEntry[] {
	const entries: TimelineEntry[] = [
		{
			at: row.created_at.toISOString(),
			time: formatTime(row.created_at, timeZone),
			label: 'Created',
			source: 'app',
			rawStatus: null,
			errorCode: null
		}
	];
	for (const e of events) {
		const ours = e.status ?? normalizeTwilioStatus(e.raw_status);
		let label = (ours && EVENT_LABEL[ours]) ?? `Reported “${e.raw_status ?? 'unknown'}”`;
		if (e.error_code !== null) label += ` — ${explainError(e.error_code).title} (${e.error_code})`;
		entries.push({
			at: e.received_at.toISOString(),
			time: formatTime(e.received_at, timeZone),
			label,
			source: e.source,
			rawStatus: e.raw_status,
			errorCode: e.error_code
		});
	}
	return entries;
}

/** One history row as the page shows it: time in the recipient's zone, verdict, failure help. */
export function toHistoryItem(
	row: HistoryRow,
	options: { timeZone: string; now?: Date; events?: EventRow[] | null }
): HistoryItem {
	const status: MessageStatus = isMessageStatus(row.status) ? row.status : 'pending';
	const verdict = verdictFor(
		{
			status,
			scheduledFor: row.scheduled_for,
			statusReason: row.status_reason,
			errorCode: row.error_code,
			sentAt: row.sent_at
		},
		{ now: options.now, timeZone: options.timeZone }
	);
	let label = verdict.label;
	if (verdict.kind === 'not_sent' && row.status_reason) {
		label = `Not sent (${SHORT_REASON[row.status_reason] ?? row.status_reason.replace(/[_-]+/g, ' ')})`;
	}
	return {
		id: row.id,
		createdAt: row.created_at.toISOString(),
		time: formatTime(row.created_at, options.timeZone),
		type: { key: row.notification_type, label: row.type_label ?? row.notification_type },
		preview: previewOf(row.message_content),
		body: row.message_content,
		status: row.status,
		verdict: { kind: verdict.kind, label, detail: verdict.detail },
		failure: failureOf(row, verdict.detail),
		timeline: options.events ? timelineOf(row, options.events, options.timeZone) : null
	};
}
