import type { Priority } from '@sms/twilio-service';

/** A row of queue_jobs as claim_jobs returns it (only the columns the worker uses). */
export interface ClaimedJob {
	id: string;
	jobType: string;
	payload: unknown;
	attempts: number;
	maxAttempts: number;
	runAt: Date;
}

export type MessageStatus =
	| 'pending'
	| 'scheduled'
	| 'dispatching'
	| 'queued'
	| 'sending'
	| 'sent'
	| 'delivered'
	| 'undelivered'
	| 'failed'
	| 'suppressed'
	| 'canceled'
	| 'received';

/** Everything needed to decide and send one text, read in one query at send time. */
export interface SendContext {
	messageId: string;
	userId: string;
	phoneNumber: string;
	body: string;
	status: MessageStatus;
	priority: Priority;
	twilioSid: string | null;
	dispatchedAt: Date | null;
	notificationType: string;
	bypassesQuietHours: boolean;
	typeEnabled: boolean;
	/** Null when the user has no preferences row (treated as unverified). */
	timeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	dailyLimit: number;
	/** The user's own opt-out, or a STOP recorded for this number by anyone. */
	optedOut: boolean;
	/** The destination is the user's verified phone. */
	phoneVerified: boolean;
	/** Texts already counted on the user's local day at `now`. */
	usedToday: number;
}
