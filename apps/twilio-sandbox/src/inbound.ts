import { newSid } from './ids.ts';
import type { MessageStore } from './message-store.ts';
import type { SandboxMessage } from './message.ts';
import { E164 } from './outcomes.ts';
import { countSegments } from './segments.ts';
import { TwilioApiError } from './twilio-error.ts';
import { twimlMessages } from './twiml.ts';
import type { WebhookPoster } from './webhook-poster.ts';

export interface ReplyResult {
	message: SandboxMessage;
	webhookUrl: string | null;
	status: number | null;
	twiml: string | null;
	error: string | null;
	/** Texts from the app's TwiML answer, now in the phone's inbox. */
	replies: string[];
}

/**
 * A handset texting the app: stored as an inbound message and POSTed, signed, to the app's
 * incoming webhook with the fields Twilio sends; the TwiML answer becomes reply texts.
 */
export class Inbound {
	constructor(
		private readonly deps: {
			store: MessageStore;
			poster: WebhookPoster;
			accountSid: string;
			defaultFrom: string;
			messagingServiceSid: () => string | null;
			webhookUrl: () => string | null;
			now: () => number;
		}
	) {}

	async reply(input: { from: string; body: string; to?: string }): Promise<ReplyResult> {
		const { from, body } = input;
		if (!E164.test(from)) {
			throw new TwilioApiError({ code: 21211, status: 400, message: `'${from}' is not a valid phone number.` });
		}
		if (!body) throw new TwilioApiError({ code: 21602, status: 400, message: 'Message body is required.' });
		const to = input.to ?? this.appNumberFor(from);
		const now = this.deps.now();
		const segments = countSegments(body);
		const messagingServiceSid = this.deps.messagingServiceSid();
		const message: SandboxMessage = {
			sid: newSid('SM'),
			kind: 'inbound',
			accountSid: this.deps.accountSid,
			direction: 'inbound',
			to,
			from,
			messagingServiceSid,
			body,
			status: 'received',
			numSegments: segments,
			reportedSegments: segments,
			price: null,
			priceUnit: 'USD',
			errorCode: null,
			errorMessage: null,
			statusCallback: null,
			dateCreated: now,
			dateSent: now,
			dateUpdated: now,
			sendAt: null
		};
		this.deps.store.add(message);

		const url = this.deps.webhookUrl();
		if (!url) {
			message.webhook = { url: '', status: null, body: null, error: 'no incoming webhook URL configured' };
			return { message, webhookUrl: null, status: null, twiml: null, error: message.webhook.error, replies: [] };
		}
		const params: Record<string, string> = {
			AccountSid: this.deps.accountSid,
			ApiVersion: '2010-04-01',
			Body: body,
			From: from,
			FromCountry: 'US',
			MessageSid: message.sid,
			NumMedia: '0',
			NumSegments: String(segments),
			SmsMessageSid: message.sid,
			SmsSid: message.sid,
			SmsStatus: 'received',
			To: to,
			ToCountry: 'US'
		};
		if (messagingServiceSid) params.MessagingServiceSid = messagingServiceSid;
		const result = await this.deps.poster.post({ url, params, idempotencyToken: message.sid });
		message.webhook = { url, status: result.status, body: result.body, error: result.error };

		const ok = result.status !== null && result.status >= 200 && result.status < 300;
		const replies = ok && result.body ? twimlMessages(result.body) : [];
		for (const text of replies) this.storeReply(message, text);
		return { message, webhookUrl: url, status: result.status, twiml: result.body, error: result.error, replies };
	}

	/** The app number this phone talks to: whoever texted it last, else the default sender. */
	private appNumberFor(phone: string): string {
		const history = this.deps.store.forPhone(phone);
		for (let i = history.length - 1; i >= 0; i--) {
			const m = history[i]!;
			if (m.to === phone && m.kind !== 'verification' && m.from && E164.test(m.from)) return m.from;
		}
		return this.deps.defaultFrom;
	}

	private storeReply(inbound: SandboxMessage, text: string): void {
		const now = this.deps.now();
		const segments = countSegments(text);
		this.deps.store.add({
			...inbound,
			sid: newSid('SM'),
			kind: 'reply',
			direction: 'outbound-reply',
			to: inbound.from ?? '',
			from: inbound.to,
			body: text,
			status: 'delivered',
			numSegments: segments,
			reportedSegments: segments,
			dateCreated: now,
			dateSent: now,
			dateUpdated: now,
			webhook: undefined
		});
	}
}
