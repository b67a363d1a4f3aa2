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
/** Alias: "our" status as opposed to Twilio's raw one. */
export type OurStatus = MessageStatus;

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

/**
 * Progress rank of each status. The SQL function apply_sms_status implements the same table:
 * change it in both places. A status only ever moves to a higher rank.
 */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
	pending: 0,
	scheduled: 0,
	dispatching: 1,
	queued: 2,
	sending: 3,
	sent: 4,
	delivered: 5,
	undelivered: 5,
	failed: 5,
	suppressed: 5,
	canceled: 5,
	received: 5
};

export const FINAL_STATUSES: readonly MessageStatus[] = [
	'delivered',
	'undelivered',
	'failed',
	'suppressed',
	'canceled',
	'received'
];

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

export function statusRank(status: MessageStatus): number {
	return STATUS_RANK[status];
}

export function isFinal(status: MessageStatus): boolean {
	return STATUS_RANK[status] === STATUS_RANK.delivered;
}

/**
 * Whether a reported status may replace the current one: forward by rank only; duplicates
 * are no-ops; among final states 'delivered' (proof from the handset) replaces 'failed' or
 * 'undelivered', otherwise the first final state stands — exactly as SQL sms_advance_status.
 * (suppressed/canceled/received are our own decisions or inbound rows, never replaced.)
 * pending ⇄ scheduled share rank 0 and are not status reports: the worker sets those
 * directly when it defers, so this returns false between them.
 */
export function shouldApply(current: MessageStatus, next: MessageStatus): boolean {
	if (current === next) return false;
	if (isFinal(current)) return next === 'delivered' && (current === 'failed' || current === 'undelivered');
	return STATUS_RANK[next] > STATUS_RANK[current];
}
