import type { CallbackDispatcher } from './callback-dispatcher.ts';
import { roll, type Faults } from './faults.ts';
import { newSid } from './ids.ts';
import type { MessageStore } from './message-store.ts';
import type { MessageStatus, SandboxMessage } from './message.ts';
import { E164, MAGIC_REJECTIONS, outcomeFor } from './outcomes.ts';
import { segmentPrice } from './pricing.ts';
import type { Scheduler } from './scheduler.ts';
import { countSegments } from './segments.ts';
import { TwilioApiError } from './twilio-error.ts';

export interface MessagingOptions {
	accountSid: string;
	/** The sender used for Messaging Service sends and as the app's number on the dev phone. */
	defaultFrom: string;
	delays: { sent: number; delivered: number };
	now: () => number;
}

interface Deps {
	store: MessageStore;
	scheduler: Scheduler;
	callbacks: CallbackDispatcher;
	faults: () => Faults;
}

const badRequest = (code: number, message: string) => new TwilioApiError({ code, status: 400, message });

/** Messages create and lifecycle: validation as Twilio does it, then queued → sent → final. */
export class Messaging {
	// Messages whose callbacks are held back and flushed newest-first (reorder fault).
	private held = new Map<string, Record<string, string>[]>();

	constructor(
		private readonly options: MessagingOptions,
		private readonly deps: Deps
	) {}

	create(params: URLSearchParams): SandboxMessage {
		const to = params.get('To')?.trim() ?? '';
		const from = params.get('From')?.trim() || null;
		const messagingServiceSid = params.get('MessagingServiceSid')?.trim() || null;
		const body = params.get('Body') ?? '';
		const statusCallback = params.get('StatusCallback')?.trim() || null;
		const sendAtRaw = params.get('SendAt');

		if (!to) throw badRequest(21604, "A 'To' phone number is required.");
		if (!from && !messagingServiceSid) throw badRequest(21603, "A 'From' phone number is required.");
		if (!body) throw badRequest(21602, 'Message body is required.');
		if (body.length > 1600) {
			throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
		}
		if (!E164.test(to)) throw badRequest(21211, `The 'To' number ${to} is not a valid phone number.`);
		const rejection = MAGIC_REJECTIONS[to];
		if (rejection) {
			throw new TwilioApiError({ code: rejection.code, status: rejection.status, message: rejection.message(to) });
		}

		const now = this.options.now();
		let sendAt: number | null = null;
		if (sendAtRaw) {
			if (params.get('ScheduleType') !== 'fixed') {
				throw badRequest(35111, 'ScheduleType must be "fixed" when SendAt is given.');
			}
			if (!messagingServiceSid) {
				throw badRequest(35118, 'MessagingServiceSid is required to schedule a message.');
			}
			sendAt = Date.parse(sendAtRaw);
			if (Number.isNaN(sendAt)) throw badRequest(35114, 'SendAt is not a valid timestamp.');
		}

		const segments = countSegments(body);
		const message: SandboxMessage = {
			sid: newSid('SM'),
			kind: 'api',
			accountSid: this.options.accountSid,
			direction: 'outbound-api',
			to,
			from: from ?? this.options.defaultFrom,
			messagingServiceSid,
			body,
			status: sendAt !== null && sendAt > now ? 'scheduled' : 'queued',
			numSegments: segments,
			// Twilio reports 0 segments for Messaging Service sends until a sender is picked.
			reportedSegments: messagingServiceSid ? 0 : segments,
			price: null,
			priceUnit: 'USD',
			errorCode: null,
			errorMessage: null,
			statusCallback,
			dateCreated: now,
			dateSent: null,
			dateUpdated: now,
			sendAt
		};
		this.deps.store.add(message);
		if (statusCallback && roll(this.deps.faults().reorderCallbacks)) this.held.set(message.sid, []);

		if (message.status === 'scheduled') {
			this.deps.scheduler.schedule((sendAt ?? now) - now, () => {
				if (message.status !== 'scheduled') return;
				this.transition(message, 'queued');
				this.startDelivery(message);
			});
		} else {
			this.startDelivery(message, true);
		}
		return message;
	}

	reset(): void {
		this.held.clear();
	}

	private startDelivery(message: SandboxMessage, justCreated = false): void {
		if (justCreated) this.callback(message, 'queued', false);
		const { sent, delivered } = this.options.delays;
		const outcome = outcomeFor(message.to);
		this.deps.scheduler.schedule(sent, () => {
			if (outcome.kind === 'failed') {
				message.errorCode = outcome.errorCode;
				message.errorMessage = outcome.errorMessage;
				this.transition(message, 'failed');
				return;
			}
			message.dateSent = this.options.now();
			message.reportedSegments = message.numSegments;
			message.price = (-segmentPrice(message.to) * message.numSegments).toFixed(5);
			this.transition(message, 'sent', outcome.kind === 'no-receipt');
			if (outcome.kind === 'no-receipt') return;
			this.deps.scheduler.schedule(Math.max(0, delivered - sent), () => {
				if (outcome.kind === 'undelivered') {
					message.errorCode = outcome.errorCode;
					message.errorMessage = outcome.errorMessage;
					this.transition(message, 'undelivered');
				} else {
					this.transition(message, 'delivered');
				}
			});
		});
	}

	private transition(message: SandboxMessage, status: MessageStatus, last?: boolean): void {
		message.status = status;
		message.dateUpdated = this.options.now();
		const final = last ?? ['delivered', 'undelivered', 'failed', 'canceled'].includes(status);
		this.callback(message, status, final);
	}

	private callback(message: SandboxMessage, status: MessageStatus, last: boolean): void {
		const url = message.statusCallback;
		if (!url || status === 'canceled') return;
		const params: Record<string, string> = {
			AccountSid: message.accountSid,
			ApiVersion: '2010-04-01',
			From: message.from ?? '',
			MessageSid: message.sid,
			MessageStatus: status,
			SmsSid: message.sid,
			SmsStatus: status,
			To: message.to
		};
		if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
		if (status === 'failed' || status === 'undelivered') params.ErrorCode = String(message.errorCode);
		if (status === 'delivered' || status === 'undelivered') params.RawDlrDoneDate = dlrDate(this.options.now());

		const held = this.held.get(message.sid);
		if (!held) {
			this.deps.callbacks.send(url, params);
			return;
		}
		held.push(params);
		if (last) {
			this.held.delete(message.sid);
			for (const p of held.reverse()) this.deps.callbacks.send(url, p);
		}
	}
}

/** Carrier receipt time as Twilio passes it through: YYMMDDhhmm (UTC). */
function dlrDate(ms: number): string {
	return new Date(ms).toISOString().slice(2, 16).replace(/[-T:]/g, '');
}
