import { explainError } from '../errors/index.ts';
import { describeStatusReason } from './reasons.ts';
import type { MessageStatus } from './status.ts';

/** The five verdicts (also SQL sms_verdict_kind's answers, and the history's filter values). */
export const VERDICT_KINDS = ['delivered', 'failed', 'scheduled', 'not_sent', 'in_progress'] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

export interface Verdict {
	kind: VerdictKind;
	/** Short label: 'Delivered', 'Failed', 'Scheduled until 08:00', 'Not sent', 'In progress'. */
	label: string;
	/** One or two plain-English sentences for the person whose phone it is. */
	detail: string;
}

export interface VerdictMessage {
	status: MessageStatus;
	scheduledFor?: Date | null;
	statusReason?: string | null;
	errorCode?: number | null;
	sentAt?: Date | null;
}

export interface VerdictOptions {
	now?: Date;
	/** Zone the times in labels are written in — the recipient's, not the viewer's. Default UTC. */
	timeZone?: string;
	/** Locale for times in labels. Default en-GB (24-hour clock). */
	locale?: string;
}

/**
 * The one verdict the UI shows for a message. The second argument is either `now` or an
 * options object; labels depend only on the given zone/locale, never on the machine's.
 */
export function verdictFor(message: VerdictMessage, nowOrOptions?: Date | VerdictOptions): Verdict {
	const options: VerdictOptions = nowOrOptions instanceof Date ? { now: nowOrOptions } : (nowOrOptions ?? {});
	const now = options.now ?? new Date();
	const reason = message.statusReason?.trim() || null;

	switch (message.status) {
		case 'delivered':
			return { kind: 'delivered', label: 'Delivered', detail: 'Your carrier confirmed the text reached your phone.' };
		case 'received':
			return { kind: 'delivered', label: 'Received', detail: 'We received this text from your phone.' };
		case 'failed':
		case 'undelivered':
			return { kind: 'failed', label: 'Failed', detail: failureDetail(message, reason) };
		case 'suppressed':
			return {
				kind: 'not_sent',
				label: 'Not sent',
				detail: reason ? describeStatusReason(reason) : 'We decided not to send this text.'
			};
		case 'canceled':
			return {
				kind: 'not_sent',
				label: 'Not sent',
				detail: reason && reason !== 'canceled' ? describeStatusReason(reason) : 'It was canceled before it was sent.'
			};
		case 'pending':
		case 'scheduled': {
			const at = message.scheduledFor;
			if (at && at.getTime() > now.getTime()) {
				return {
					kind: 'scheduled',
					label: `Scheduled until ${formatWhen(at, now, options)}`,
					detail: reason ? describeStatusReason(reason) : 'It will be sent at the scheduled time.'
				};
			}
			return { kind: 'in_progress', label: 'In progress', detail: 'Waiting to be sent.' };
		}
		case 'dispatching':
			return { kind: 'in_progress', label: 'In progress', detail: 'Being handed to our SMS provider.' };
		case 'queued':
			return { kind: 'in_progress', label: 'In progress', detail: 'Our SMS provider accepted it and queued it for sending.' };
		case 'sending':
			return { kind: 'in_progress', label: 'In progress', detail: 'Being sent to your carrier.' };
		case 'sent':
			if (reason === 'no_receipt') {
				return { kind: 'in_progress', label: 'Sent, no receipt', detail: describeStatusReason(reason) };
			}
			return {
				kind: 'in_progress',
				label: 'In progress',
				detail: 'Sent to the carrier, waiting for the delivery receipt.'
			};
	}
}

function failureDetail(message: VerdictMessage, reason: string | null): string {
	if (message.errorCode !== null && message.errorCode !== undefined) {
		const explained = explainError(message.errorCode);
		return `${explained.explanation} ${explained.action}`;
	}
	if (reason) return describeStatusReason(reason);
	return message.status === 'undelivered'
		? "Your carrier couldn't deliver the text and didn't say why."
		: "The text couldn't be sent and no reason was reported.";
}

/** "08:00" when it is on the same local day as now, else "Tue 3 Mar, 08:00". */
function formatWhen(at: Date, now: Date, options: VerdictOptions): string {
	const timeZone = options.timeZone ?? 'UTC';
	const locale = options.locale ?? 'en-GB';
	const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(at);
	const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
	if (dayKey.format(at) === dayKey.format(now)) return time;
	const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(at);
	return `${day}, ${time}`;
}
