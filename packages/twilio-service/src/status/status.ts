/** Our message statuses (sms_messages.status). */
export const MESSAGE_STATUSES = [
	'pending',
	'scheduled',
	'dispatching',
	'queued',
	'sending',
	'sent',
	'delivered',
	'undelivered',
	'failed',
	'suppressed',
	'canceled',
	'received' // inbound texts: final on arrival
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Message statuses as Twilio reports them (MessageStatus in callbacks, status in the API). */
export const TWILIO_STATUSES = [
	'accepted',
	'scheduled',
	'queued',
	'sending',
	'sent',
	'delivered',
	'undelivered',
	'failed',
	'read',
	'receiving',
	'received',
	'canceled',
	'partially_delivered'
] as const;
export type TwilioStatus = (typeof TWILIO_STATUSES)[number];

// Same mapping as SQL normalize_twilio_status. Twilio's statuses about inbound texts
// (receiving, received) and partially_delivered are not progress of an outbound message:
// null, so the report is logged and kept but moves nothing.
const TWILIO_TO_OURS: Readonly<Partial<Record<TwilioStatus, MessageStatus>>> = {
	accepted: 'queued', // Messaging Service accepted it; it is in Twilio's hands like 'queued'
	scheduled: 'queued', // scheduled *at Twilio*: Twilio holds it (our 'scheduled' means we hold it)
	queued: 'queued',
	sending: 'sending',
	sent: 'sent',
	delivered: 'delivered',
	read: 'delivered', // a read receipt proves delivery
	undelivered: 'undelivered',
	failed: 'failed',
	canceled: 'canceled'
};

export function isMessageStatus(value: string): value is MessageStatus {
	return (MESSAGE_STATUSES as readonly string[]).includes(value);
}

/** Our status for Twilio's raw one (case/space-insensitive), or null when unknown. */
export function normalizeTwilioStatus(raw: string | null | undefined): MessageStatus | null {
	if (typeof raw !== 'string') return null;
	const key = raw.trim().toLowerCase();
	return Object.hasOwn(TWILIO_TO_OURS, key) ? (TWILIO_TO_OURS[key as TwilioStatus] ?? null) : null;
}

/**
 * What apply_sms_status says it did with a report (the `outcome` key of its jsonb answer):
 * applied — the message moved; duplicate — it already had that status; stale — the report is
 * behind what we know; unknown_status — a status word we do not map; orphaned — no message has
 * that SID yet (kept, and replayed when the SID is attached). Every outcome stores the report.
 */
export const APPLY_OUTCOMES = ['applied', 'duplicate', 'stale', 'unknown_status', 'orphaned'] as const;
export type ApplyOutcome = (typeof APPLY_OUTCOMES)[number];

/** apply_sms_status's answer. */
export interface ApplyStatusResult {
	outcome: ApplyOutcome;
	/** Null when orphaned. */
	message_id: string | null;
	/** The message's status after the report (null when orphaned). */
	status: MessageStatus | null;
	event_id: number;
}
