import { segmentInfo } from '../segments/index.ts';
import type { TwilioClient } from './twilio-client.ts';
import { TwilioServiceError } from './twilio-service-error.ts';
import type { TwilioMessage } from './types.ts';

export interface SendSmsInput {
	to: string;
	body: string;
	statusCallbackUrl?: string;
}

export type SendSmsResult =
	| {
			ok: true;
			sid: string;
			/** Twilio's raw status from the create answer (usually "queued"). */
			providerStatus: string;
			segments: number;
			/** Cost as a positive number, once Twilio reports one; usually null right after sending. */
			price: number | null;
			priceUnit: string | null;
	  }
	| { ok: false; error: TwilioServiceError };

export interface FindDispatchedInput {
	to: string;
	body: string;
	/** When we started dispatching; matches must be created at or after this (minus clock skew). */
	since: Date;
}

/** Twilio's timestamps have whole seconds and our clock may drift from theirs. */
const CLOCK_SKEW_MS = 60_000;
const DAY_MS = 86_400_000;

/** Sending a prepared message and mapping the outcome; no database, no policy. */
export class SMSService {
	private readonly client: TwilioClient;
	private readonly listPageSize: number;

	constructor(deps: { client: TwilioClient; /** Messages per list page (Twilio's default 50). */ listPageSize?: number }) {
		this.client = deps.client;
		this.listPageSize = deps.listPageSize ?? 50;
	}
	/** Never throws for Twilio or network failures: they come back as `{ ok: false, error }`. */
	async send(input: SendSmsInput): Promise<SendSmsResult> {
		try {
			const m = await this.client.sendMessage({
				to: input.to,
				body: input.body,
				statusCallback: input.statusCallbackUrl
			});
			return {
				ok: true,
				sid: m.sid,
				providerStatus: m.status,
				// Messaging Service sends report 0 segments until a sender is chosen: count them ourselves.
				segments: m.numSegments && m.numSegments > 0 ? m.numSegments : segmentInfo(input.body).segments,
				price: m.price === null || m.price === '' ? null : Math.abs(Number(m.price)),
				priceUnit: m.priceUnit
			};
		} catch (error) {
			if (error instanceof TwilioServiceError) return { ok: false, error };
			throw error;
		}
	}

	/** The message with this SID, or null when Twilio does not know it. */
	async fetchMessage(sid: string): Promise<TwilioMessage | null> {
		try {
			return await this.client.fetchMessage(sid);
		} catch (error) {
			if (error instanceof TwilioServiceError && error.code === 20404) return null;
			throw error;
		}
	}

	/**
	 * Every message Twilio holds that an interrupted attempt to send `body` to `to` may have
	 * created: same body, our sender, outbound, created since the attempt began, oldest first
	 * (Twilio's dates have whole seconds: texts created in one second come in no particular order).
	 *
	 * Twilio cannot filter by our id and takes no idempotency key, so the search must be
	 * complete rather than "the newest N": it pages through every message sent to the number
	 * since the UTC day the attempt began (`DateSent>=`, which Twilio compares as a date), and
	 * through the newest messages until it passes the attempt's start, which covers the ones
	 * Twilio has not sent yet (they have no date_sent, so no DateSent filter finds them).
	 * Throws TwilioServiceError when Twilio cannot be asked (retry later).
	 */
	async findDispatched(input: FindDispatchedInput): Promise<TwilioMessage[]> {
		const earliest = input.since.getTime() - CLOCK_SKEW_MS;
		const sender = this.client.sender;
		const found = new Map<string, TwilioMessage>();
		const consider = (m: TwilioMessage) => {
			const created = m.dateCreated?.getTime() ?? 0;
			if (created < earliest || m.body !== input.body || !m.direction.startsWith('outbound')) return;
			if (sender && 'messagingServiceSid' in sender && m.messagingServiceSid !== sender.messagingServiceSid) return;
			if (sender && 'from' in sender && m.from !== sender.from) return;
			found.set(m.sid, m);
		};

		// Newest first, until a page reaches past the attempt's start: what is older cannot be ours.
		for await (const page of this.client.messagePages({ to: input.to, pageSize: this.listPageSize })) {
			page.forEach(consider);
			if (page.some((m) => (m.dateCreated?.getTime() ?? 0) < earliest)) break;
		}
		// Everything sent since that UTC day, to the end of the list.
		const day = new Date(Math.floor(earliest / DAY_MS) * DAY_MS);
		for await (const page of this.client.messagePages({ to: input.to, dateSentFrom: day, pageSize: this.listPageSize })) {
			page.forEach(consider);
		}
		return [...found.values()].sort((a, b) => (a.dateCreated?.getTime() ?? 0) - (b.dateCreated?.getTime() ?? 0));
	}
}
