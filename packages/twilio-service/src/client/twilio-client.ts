import twilio from 'twilio';
import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message.js';
import { RedirectRequestClient } from './redirect-request-client.ts';
import { callTwilio } from './to-service-error.ts';
import { TwilioConfigError } from './twilio-config-error.ts';
import type {
	CarrierPrice,
	ListMessagesInput,
	MessagingPrice,
	SendMessageInput,
	TwilioMessage,
	VerificationResult
} from './types.ts';

export interface TwilioClientOptions {
	accountSid: string;
	authToken: string;
	/** Preferred sender: Twilio picks a number from the service's pool. */
	messagingServiceSid?: string;
	/** Sender when there is no Messaging Service. */
	from?: string;
	verifyServiceSid?: string;
	/** Default StatusCallback for every message. */
	statusCallbackUrl?: string;
	/** Send Twilio's requests here instead (the local sandbox), e.g. http://127.0.0.1:4010. */
	baseUrl?: string;
	/** Per-request timeout (default 15 s). */
	timeoutMs?: number;
}

function toMessage(m: MessageInstance): TwilioMessage {
	const segments = m.numSegments === null || m.numSegments === undefined ? NaN : Number(m.numSegments);
	return {
		sid: m.sid,
		status: m.status,
		to: m.to,
		from: m.from ?? null,
		body: m.body ?? '',
		direction: m.direction,
		numSegments: Number.isFinite(segments) ? segments : null,
		price: m.price ?? null,
		priceUnit: m.priceUnit ?? null,
		errorCode: m.errorCode ?? null,
		errorMessage: m.errorMessage ?? null,
		messagingServiceSid: m.messagingServiceSid ?? null,
		dateCreated: m.dateCreated ?? null,
		dateSent: m.dateSent ?? null,
		dateUpdated: m.dateUpdated ?? null
	};
}

/** The SDK's nested price objects arrive snake_case at runtime despite camelCase typings. */
function field(record: object, camel: string, snake: string): unknown {
	const r = record as Record<string, unknown>;
	return r[camel] ?? r[snake] ?? null;
}

function num(value: unknown): number | null {
	const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
	return Number.isFinite(n) ? n : null;
}

/**
 * Thin wrapper over the `twilio` SDK. Every failure becomes a TwilioServiceError
 * (Twilio's code, HTTP status, retryable, scope). Pointing `baseUrl` at the sandbox keeps
 * the same SDK code path as production.
 */
export class TwilioClient {
	readonly sdk: twilio.Twilio;
	private readonly options: TwilioClientOptions;

	constructor(options: TwilioClientOptions) {
		this.options = options;
		const timeout = options.timeoutMs ?? 15_000;
		this.sdk = twilio(options.accountSid, options.authToken, {
			timeout,
			httpClient: options.baseUrl ? new RedirectRequestClient({ baseUrl: options.baseUrl, timeout }) : undefined
		});
	}

	async sendMessage(input: SendMessageInput): Promise<TwilioMessage> {
		const { messagingServiceSid, from } = this.options;
		if (!messagingServiceSid && !from) {
			throw new TwilioConfigError('Sending needs a Messaging Service SID or a From number');
		}
		if (input.sendAt && !messagingServiceSid) {
			throw new TwilioConfigError('Scheduling a message needs a Messaging Service SID');
		}
		const statusCallback = input.statusCallback ?? this.options.statusCallbackUrl;
		const message = await callTwilio(() =>
			this.sdk.messages.create({
				to: input.to,
				body: input.body,
				...(messagingServiceSid ? { messagingServiceSid } : { from }),
				...(statusCallback ? { statusCallback } : {}),
				...(input.sendAt ? { sendAt: input.sendAt, scheduleType: 'fixed' as const } : {})
			})
		);
		return toMessage(message);
	}

	async fetchMessage(sid: string): Promise<TwilioMessage> {
		return toMessage(await callTwilio(() => this.sdk.messages(sid).fetch()));
	}

	/** Who sends: the Messaging Service when configured, else the From number. */
	get sender(): { messagingServiceSid: string } | { from: string } | null {
		const { messagingServiceSid, from } = this.options;
		if (messagingServiceSid) return { messagingServiceSid };
		return from ? { from } : null;
	}

	/**
	 * Every message to `to`, newest first, one page at a time: follows Twilio's next_page_uri
	 * until the caller stops or the list ends. `dateSentFrom` filters `DateSent>=` that day in UTC
	 * (Twilio compares dates, not instants; unsent messages have no date_sent and do not match).
	 */
	async *messagePages(input: { to: string; dateSentFrom?: Date; pageSize?: number }): AsyncGenerator<TwilioMessage[]> {
		const pageSize = Math.min(1000, Math.max(1, input.pageSize ?? 50));
		let page: { instances: MessageInstance[]; nextPage(): Promise<typeof page> | undefined } = await callTwilio(() =>
			this.sdk.messages.page({
				to: input.to,
				pageSize,
				...(input.dateSentFrom ? { dateSentAfter: input.dateSentFrom } : {})
			})
		);
		for (;;) {
			yield page.instances.map(toMessage);
			const next = page.nextPage();
			if (!next) return;
			page = await callTwilio(() => next);
		}
	}

	/** Newest first. */
	async listMessages(input: ListMessagesInput): Promise<TwilioMessage[]> {
		const limit = input.limit ?? 20;
		const messages = await callTwilio(() =>
			this.sdk.messages.list({
				to: input.to,
				limit,
				pageSize: Math.min(limit, 1000),
				...(input.dateSentAfter ? { dateSentAfter: input.dateSentAfter } : {})
			})
		);
		return messages.map(toMessage);
	}

	async startVerification(input: { to: string; channel?: 'sms' | 'call' }): Promise<VerificationResult> {
		const v = await callTwilio(() =>
			this.verifyService().verifications.create({ to: input.to, channel: input.channel ?? 'sms' })
		);
		return { sid: v.sid, status: v.status, to: v.to, channel: v.channel, valid: v.valid };
	}

	/** A wrong code answers status "pending"; an expired or unknown one throws code 20404. */
	async checkVerification(input: { to: string; code: string }): Promise<VerificationResult> {
		const v = await callTwilio(() =>
			this.verifyService().verificationChecks.create({ to: input.to, code: input.code })
		);
		return { sid: v.sid, status: v.status, to: v.to, channel: v.channel, valid: v.valid };
	}

	async messagingPrice(isoCountry: string): Promise<MessagingPrice> {
		const c = await callTwilio(() => this.sdk.pricing.v1.messaging.countries(isoCountry.toUpperCase()).fetch());
		const carriers: CarrierPrice[] = (c.outboundSmsPrices ?? []).map((o) => ({
			carrier: o.carrier ?? null,
			mcc: o.mcc ?? null,
			mnc: o.mnc ?? null,
			prices: (o.prices ?? []).map((p) => ({
				numberType: (field(p, 'numberType', 'number_type') as string | null) ?? null,
				basePrice: num(field(p, 'basePrice', 'base_price')),
				currentPrice: num(field(p, 'currentPrice', 'current_price'))
			}))
		}));
		const all = carriers.flatMap((k) => k.prices.map((p) => p.currentPrice)).filter((p) => p !== null);
		return {
			isoCountry: c.isoCountry,
			country: c.country,
			priceUnit: c.priceUnit,
			outboundSmsPrice: all.length ? Math.max(...all) : null,
			carriers
		};
	}

	/** A cheap authenticated call (one message listed): throws when the credentials are refused. */
	async checkCredentials(): Promise<void> {
		await callTwilio(() => this.sdk.messages.list({ limit: 1, pageSize: 1 }));
	}

	private verifyService() {
		const sid = this.options.verifyServiceSid;
		if (!sid) throw new TwilioConfigError('Phone verification needs TWILIO_VERIFY_SERVICE_SID');
		return this.sdk.verify.v2.services(sid);
	}
}
