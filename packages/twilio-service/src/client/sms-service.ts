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

export interface LookupDispatchedInput {
	/** The SID stored before the crash, if it was stored. */
	sid?: string | null;
	to: string;
	body: string;
	/** When we started dispatching; matches must be created at or after this (minus clock skew). */
	since: Date;
}

/** Twilio's timestamps have whole seconds and our clock may drift from theirs. */
const CLOCK_SKEW_MS = 60_000;
const LOOKBACK_MESSAGES = 50;

/** Sending a prepared message and mapping the outcome; no database, no policy. */
export class SMSService {
	private readonly client: TwilioClient;

	constructor(deps: { client: TwilioClient }) {
		this.client = deps.client;
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

	/**
	 * Did an earlier attempt already reach Twilio? Used after a crash between "calling Twilio"
	 * and "storing the SID", so a message is never sent twice. Fetches by SID when known,
	 * otherwise looks through the recent messages to that number for the same body created
	 * since the attempt began. Throws TwilioServiceError when Twilio cannot be asked (retry later).
	 */
	async lookupDispatched(input: LookupDispatchedInput): Promise<TwilioMessage | null> {
		if (input.sid) {
			try {
				return await this.client.fetchMessage(input.sid);
			} catch (error) {
				if (error instanceof TwilioServiceError && error.code === 20404) return null;
				throw error;
			}
		}
		const earliest = input.since.getTime() - CLOCK_SKEW_MS;
		const recent = await this.client.listMessages({ to: input.to, limit: LOOKBACK_MESSAGES });
		// Newest first: walk backwards to take the earliest match, the one our attempt created.
		for (let i = recent.length - 1; i >= 0; i--) {
			const m = recent[i]!;
			const created = m.dateCreated?.getTime() ?? 0;
			if (m.body === input.body && m.direction.startsWith('outbound') && created >= earliest) return m;
		}
		return null;
	}
}
