/**
 * Values of sms_messages.status_reason that the app writes, and what they mean to the
 * person whose phone it is. Unknown reasons are shown humanised ("carrier_timeout" →
 * "Carrier timeout") rather than dropped.
 */
export const STATUS_REASON_TEXT = {
	requested: 'Scheduled for this time when it was queued.',
	quiet_hours: 'Held until your quiet hours end.',
	daily_limit: "You reached your daily text limit, so it goes out when your new day starts.",
	opted_out: "You've turned texts off (or replied STOP), so we didn't send this one.",
	unverified: "Your phone number isn't verified yet, so we didn't send this.",
	type_disabled: "You've switched off this kind of text in your settings.",
	no_phone: "There's no phone number in your settings, so we couldn't send this.",
	expired: 'It was no longer relevant by the time it could be sent.',
	canceled: 'It was canceled before it was sent.',
	no_receipt:
		"Sent to your carrier, but the carrier never confirmed delivery. It most likely arrived; if it didn't, check that your phone receives other texts.",
	retries_exhausted: "We tried several times but couldn't hand it to our SMS provider."
} as const;

export type StatusReason = keyof typeof STATUS_REASON_TEXT;

export function describeStatusReason(reason: string): string {
	if (Object.hasOwn(STATUS_REASON_TEXT, reason)) return STATUS_REASON_TEXT[reason as StatusReason];
	const words = reason.replace(/[_-]+/g, ' ').trim();
	if (words === '') return '';
	const sentence = words.charAt(0).toUpperCase() + words.slice(1);
	return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
