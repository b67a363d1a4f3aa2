import type { ProviderId } from '@sms/providers';
import type { DeliveryPrefs, MessageStatus, Priority } from '@sms/twilio-service';

export type { MessageStatus };

/** A row of queue_jobs as claim_jobs returns it (only the columns the worker uses). */
export interface ClaimedJob {
	id: string;
	jobType: string;
	payload: unknown;
	attempts: number;
	maxAttempts: number;
	runAt: Date;
}

/**
 * Everything needed to decide and send one text, read in one query at send time. The
 * preference fields are decideDelivery's own (optedOut: the user's opt-out or a STOP recorded
 * for this number by anyone; phoneVerified: the destination is the user's verified phone).
 */
export interface SendContext extends DeliveryPrefs {
	messageId: string;
	/** The recipient: the user, or for a text to a contact the contact's id (DESIGN §13). */
	userId: string;
	/** Opened from sms_messages.phone_enc when the context is read; kept in memory only. */
	phoneNumber: string;
	/** Why the number could not be opened (e.g. its key is not configured): the text is not sent, its job retried. */
	phoneError?: string;
	body: string;
	status: MessageStatus;
	priority: Priority;
	twilioSid: string | null;
	/** The workspace whose provider list routes the text (null: Twilio, as before workspaces). */
	organizationId: string | null;
	/** Which provider holds the text and its reference there, once one accepted it. */
	provider: ProviderId | null;
	providerReference: string | null;
	dispatchedAt: Date | null;
	notificationType: string;
	bypassesQuietHours: boolean;
	/** Texts already counted on the user's local day at `now`. */
	usedToday: number;
}
