// Request and response shapes of /api/v1, written out so the client has no dependencies.
// contract.test.ts checks them against the zod schemas the server validates with.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type Recipient =
	| { userId: string }
	| { contactId: string }
	| { externalId: string; name?: string; phone?: string; attributes?: Record<string, Json> }
	| { phone: string };

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

interface SendCommon {
	to: Recipient;
	/** Notification type key (task_reminder, daily_brief, urgent_alert, custom…). */
	type?: string;
	priority?: Priority;
	/** ISO 8601 with a zone; at most 35 days ahead. */
	sendAt?: string;
	metadata?: Record<string, Json>;
}
export type SendMessageRequest =
	| (SendCommon & { body: string; template?: never; variables?: never })
	| (SendCommon & { template: string; variables?: Record<string, string | number | boolean | null>; body?: never });

export type MessageStatus =
	| 'pending' | 'scheduled' | 'dispatching' | 'queued' | 'sending' | 'sent'
	| 'delivered' | 'undelivered' | 'failed' | 'suppressed' | 'canceled';

export interface MessageRecipient {
	userId: string | null;
	contactId: string | null;
	externalId: string | null;
	phone: string;
}

export interface MessageAccepted {
	id: string;
	status: MessageStatus;
	statusReason: string | null;
	to: MessageRecipient;
	sendAt: string | null;
	createdAt: string;
}

export interface MessageEvent {
	status: string;
	at: string;
	source: string;
	errorCode: number | null;
}

export interface Message {
	id: string;
	status: MessageStatus;
	verdict: 'pending' | 'delivered' | 'failed' | 'not_sent';
	statusReason: string | null;
	to: MessageRecipient;
	type: string;
	priority: Priority;
	body: string;
	template: string | null;
	metadata: Record<string, unknown>;
	sendAt: string | null;
	segments: number | null;
	price: string | null;
	priceUnit: string | null;
	errorCode: number | null;
	errorMessage: string | null;
	createdAt: string;
	sentAt: string | null;
	deliveredAt: string | null;
	failedAt: string | null;
	events?: MessageEvent[];
}

export interface MessageList {
	data: Message[];
	nextCursor: string | null;
}

export interface ListMessagesQuery {
	limit?: number;
	cursor?: string;
	status?: MessageStatus;
	type?: string;
	userId?: string;
	contactId?: string;
	externalId?: string;
	phone?: string;
	createdAfter?: string;
	createdBefore?: string;
	/** Top-level metadata values to match, e.g. { eventId: 'evt_1' }. */
	metadata?: Record<string, string>;
}

export interface FieldError {
	field: string;
	message: string;
	code: string;
}

/** RFC 9457 problem details, as every error is answered. */
export interface Problem {
	type: string;
	title: string;
	status: number;
	detail: string;
	instance?: string;
	field?: string;
	errors?: FieldError[];
}

export interface BatchItemResult {
	index: number;
	ok: boolean;
	message?: MessageAccepted;
	problem?: Problem;
}

export interface BatchResponse {
	accepted: number;
	rejected: number;
	results: BatchItemResult[];
}

export interface PutContactRequest {
	name?: string;
	phone: string;
	timeZone?: string;
	attributes?: Record<string, Json>;
}

export interface Contact {
	id: string;
	externalId: string;
	name: string | null;
	phone: string;
	timeZone: string | null;
	attributes: Record<string, unknown>;
	createdAt: string;
	updatedAt: string;
}
