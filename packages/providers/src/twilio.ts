/**
 * Twilio behind the provider port: today's SMSService, unchanged, with its TwilioServiceError
 * translated into the port's classification. The original error stays as `cause`, so the
 * worker can keep every Twilio-specific decision it makes today (opt-out on 21610 …).
 */
import {
	TwilioServiceError,
	explainError,
	normalizeTwilioStatus,
	type FindDispatchedInput as TwilioFindDispatchedInput,
	type SendSmsInput,
	type SendSmsResult,
	type TwilioMessage
} from '@sms/twilio-service';
import { ProviderError } from './errors.ts';
import type { DeliveryStatus, FindDispatchedInput, ProviderResult, ProviderText, SendTextInput, SmsProvider } from './port.ts';

/** What the adapter needs from SMSService (structural, so tests may pass the real one). */
export interface TwilioSender {
	send(input: SendSmsInput): Promise<SendSmsResult>;
	fetchMessage(sid: string): Promise<TwilioMessage | null>;
	findDispatched(input: TwilioFindDispatchedInput): Promise<TwilioMessage[]>;
}

const PROVIDER = 'twilio';

function deliveryStatus(raw: string): DeliveryStatus {
	const ours = normalizeTwilioStatus(raw);
	if (ours === 'queued' || ours === 'sent' || ours === 'delivered' || ours === 'undelivered' || ours === 'failed') return ours;
	if (ours === 'sending') return 'queued';
	return 'unknown';
}

/** The same rule as the worker's definitelyNotSent: 500/502/504 and no answer are ambiguous. */
function accepted(error: TwilioServiceError): 'no' | 'unknown' {
	if (error.status === null) return 'unknown';
	return error.status === 500 || error.status === 502 || error.status === 504 ? 'unknown' : 'no';
}

export function fromTwilioError(error: TwilioServiceError): ProviderError {
	const base = {
		provider: PROVIDER,
		code: error.code,
		httpStatus: error.status,
		message: error.message,
		accepted: accepted(error),
		cause: error
	} as const;
	if (error.code === 'network' || error.code === 'timeout' || (error.status !== null && error.status >= 500)) {
		return new ProviderError({ ...base, kind: 'provider_unavailable', reason: 'outage' });
	}
	if (error.scope === 'account') return new ProviderError({ ...base, kind: 'provider_unavailable', reason: 'misconfigured' });
	// 21610: the recipient replied STOP to our Twilio number.
	return new ProviderError({ ...base, kind: error.retryable ? 'retry_later' : 'permanent', recipientOptedOut: error.code === 21610 });
}

function fromMessage(m: TwilioMessage): ProviderText {
	const price = m.price === null || m.price === '' ? null : Math.abs(Number(m.price));
	return {
		reference: m.sid,
		rawStatus: m.status,
		status: deliveryStatus(m.status),
		segments: m.numSegments && m.numSegments > 0 ? m.numSegments : null,
		price: price !== null && Number.isFinite(price) ? price : null,
		priceUnit: m.priceUnit,
		errorCode: m.errorCode === null ? null : String(m.errorCode),
		errorMessage: m.errorMessage ?? (m.errorCode === null ? null : explainError(m.errorCode).title)
	};
}

function unexpected(error: unknown): ProviderResult<never> {
	if (error instanceof TwilioServiceError) return { ok: false, error: fromTwilioError(error) };
	throw error;
}

export class TwilioProvider implements SmsProvider {
	readonly id = PROVIDER;

	constructor(private readonly sms: TwilioSender, private readonly options: { statusCallbackUrl?: string } = {}) {}

	async send(input: SendTextInput): Promise<ProviderResult<ProviderText>> {
		// The sender is the TwilioClient's configuration (from number or Messaging Service).
		const result = await this.sms.send({
			to: input.to,
			body: input.body,
			statusCallbackUrl: input.callbackUrl ?? this.options.statusCallbackUrl
		});
		if (!result.ok) return { ok: false, error: fromTwilioError(result.error) };
		return {
			ok: true,
			value: {
				reference: result.sid,
				rawStatus: result.providerStatus,
				status: deliveryStatus(result.providerStatus),
				segments: result.segments,
				price: result.price,
				priceUnit: result.priceUnit,
				errorCode: null,
				errorMessage: null
			}
		};
	}

	async fetchStatus(reference: string): Promise<ProviderResult<ProviderText>> {
		try {
			const m = await this.sms.fetchMessage(reference);
			if (m) return { ok: true, value: fromMessage(m) };
			return {
				ok: false,
				error: new ProviderError({
					provider: PROVIDER,
					kind: 'permanent',
					accepted: 'no',
					code: 20404,
					httpStatus: 404,
					message: `Twilio does not know message ${reference}`
				})
			};
		} catch (error) {
			return unexpected(error);
		}
	}

	async findDispatched(input: FindDispatchedInput): Promise<ProviderResult<ProviderText[]>> {
		try {
			if (input.reference) {
				const m = await this.sms.fetchMessage(input.reference);
				if (m) return { ok: true, value: [fromMessage(m)] };
			}
			const found = await this.sms.findDispatched({ to: input.to, body: input.body, since: input.since });
			return { ok: true, value: found.map(fromMessage) };
		} catch (error) {
			return unexpected(error);
		}
	}
}
