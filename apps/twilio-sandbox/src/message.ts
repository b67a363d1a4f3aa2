import { rfc2822 } from './dates.ts';

export type MessageStatus =
	| 'scheduled'
	| 'queued'
	| 'sending'
	| 'sent'
	| 'delivered'
	| 'undelivered'
	| 'failed'
	| 'received'
	| 'canceled';

export type MessageDirection = 'outbound-api' | 'outbound-reply' | 'inbound';

/** Why the sandbox holds a message: sent through the API, a Verify code, a phone's reply, or the TwiML answer to it. */
export type MessageKind = 'api' | 'verification' | 'inbound' | 'reply';

export interface SandboxMessage {
	sid: string;
	kind: MessageKind;
	accountSid: string;
	direction: MessageDirection;
	to: string;
	from: string | null;
	messagingServiceSid: string | null;
	body: string;
	status: MessageStatus;
	numSegments: number;
	/** Segments reported before a sender is picked (Twilio reports 0 for Messaging Services). */
	reportedSegments: number;
	price: string | null;
	priceUnit: string;
	errorCode: number | null;
	errorMessage: string | null;
	statusCallback: string | null;
	dateCreated: number;
	dateSent: number | null;
	dateUpdated: number;
	sendAt: number | null;
	/** For inbound messages: what the app's webhook answered. */
	webhook?: { url: string; status: number | null; body: string | null; error: string | null };
}

/** The Message resource JSON exactly as Twilio's 2010-04-01 API returns it. */
export function messageJson(m: SandboxMessage) {
	const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}`;
	return {
		account_sid: m.accountSid,
		api_version: '2010-04-01',
		body: m.body,
		date_created: rfc2822(m.dateCreated),
		date_sent: m.dateSent === null ? null : rfc2822(m.dateSent),
		date_updated: rfc2822(m.dateUpdated),
		direction: m.direction,
		error_code: m.errorCode,
		error_message: m.errorMessage,
		from: m.from,
		messaging_service_sid: m.messagingServiceSid,
		num_media: '0',
		num_segments: String(m.reportedSegments),
		price: m.price,
		price_unit: m.priceUnit,
		sid: m.sid,
		status: m.status,
		subresource_uris: {
			media: `${uri}/Media.json`,
			feedback: `${uri}/Feedback.json`
		},
		to: m.to,
		uri: `${uri}.json`
	};
}

/** The control API's view: everything, with ISO dates, for tests and the dev phone. */
export function messageDebugJson(m: SandboxMessage) {
	return {
		sid: m.sid,
		kind: m.kind,
		direction: m.direction,
		to: m.to,
		from: m.from,
		body: m.body,
		status: m.status,
		num_segments: m.numSegments,
		price: m.price,
		error_code: m.errorCode,
		error_message: m.errorMessage,
		status_callback: m.statusCallback,
		date_created: new Date(m.dateCreated).toISOString(),
		date_sent: m.dateSent === null ? null : new Date(m.dateSent).toISOString(),
		webhook: m.webhook ?? null
	};
}
