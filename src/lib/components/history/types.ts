/** Shapes the history page and GET /api/sms/messages share (types only: no server code). */
import type { VerdictKind } from '@sms/twilio-service';

export type { VerdictKind };

export interface TimelineEntry {
	/** ISO time */
	at: string;
	/** The time in the recipient's zone, ready to show. */
	time: string;
	/** What happened, in words. */
	label: string;
	/** Where the report came from: webhook, api, poll, worker, or 'app' for creation. */
	source: string;
	/** Twilio's word, verbatim, when it reported one. */
	rawStatus: string | null;
	errorCode: number | null;
}

export interface HistoryFailure {
	code: number | null;
	title: string;
	explanation: string;
	action: string;
}

export interface HistoryItem {
	id: string;
	createdAt: string;
	/** created_at in the recipient's zone. */
	time: string;
	type: { key: string; label: string };
	preview: string;
	body: string;
	/** Our status word (sms_messages.status). */
	status: string;
	verdict: { kind: VerdictKind; label: string; detail: string };
	failure: HistoryFailure | null;
	/** Oldest first; null when not loaded (list endpoints). */
	timeline: TimelineEntry[] | null;
}

export interface HistorySummary {
	total: number;
	/** Handed to (or tried with) Twilio: delivered + failed + in flight. */
	sent: number;
	delivered: number;
	failed: number;
}

export interface HistoryPage {
	messages: HistoryItem[];
	nextCursor: string | null;
}

export const VERDICT_FILTERS: { value: VerdictKind; label: string }[] = [
	{ value: 'delivered', label: 'Delivered' },
	{ value: 'failed', label: 'Failed' },
	{ value: 'scheduled', label: 'Scheduled' },
	{ value: 'not_sent', label: 'Not sent' },
	{ value: 'in_progress', label: 'In progress' }
];
