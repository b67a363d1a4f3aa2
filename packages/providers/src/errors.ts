import type { ProviderId } from './port.ts';

/**
 * What a failure means for the send path:
 * - `retry_later`: the provider works but not for this text right now (rate limit, queue full,
 *   a transient per-text condition). Same provider, later.
 * - `permanent`: this text will never go through this provider (bad number, opted out,
 *   content refused, unknown reference). Do not retry; another provider would refuse it too
 *   unless the error is about the account (then it is `provider_unavailable`).
 * - `provider_unavailable`: the provider is down or refuses our account: timeouts, network
 *   errors, 5xx (`reason: 'outage'`, counted against a threshold) and bad credentials,
 *   suspended accounts, unconfigured senders (`reason: 'misconfigured'`, fail over at once).
 */
export type FailureKind = 'retry_later' | 'permanent' | 'provider_unavailable';
export type UnavailableReason = 'outage' | 'misconfigured';

/**
 * Whether the provider may have accepted the text despite the failure. Only `'no'` allows
 * sending the same text again elsewhere; `'unknown'` (timeout after the request left, 500,
 * 502, 504) needs `findDispatched` first, so that no text is sent by two providers.
 */
export type Accepted = 'no' | 'unknown';

export class ProviderError extends Error {
	readonly provider: ProviderId;
	readonly kind: FailureKind;
	readonly reason: UnavailableReason | null;
	readonly accepted: Accepted;
	/** The provider's own error code (Twilio's number, an HTTP provider's code), or a transport code. */
	readonly code: string | number | null;
	/** HTTP status the provider answered; null when no answer arrived. */
	readonly httpStatus: number | null;
	/**
	 * The provider refused the text because the recipient opted out with it (Twilio 21610,
	 * sms-retail `opted_out`, 23telecom 1002): the worker records the number's STOP.
	 */
	readonly recipientOptedOut: boolean;

	constructor(options: {
		provider: ProviderId;
		kind: FailureKind;
		reason?: UnavailableReason | null;
		accepted: Accepted;
		code: string | number | null;
		httpStatus: number | null;
		message: string;
		recipientOptedOut?: boolean;
		cause?: unknown;
	}) {
		super(options.message, { cause: options.cause });
		this.name = 'ProviderError';
		this.provider = options.provider;
		this.kind = options.kind;
		this.reason = options.kind === 'provider_unavailable' ? (options.reason ?? 'outage') : null;
		this.accepted = options.accepted;
		this.code = options.code;
		this.httpStatus = options.httpStatus;
		this.recipientOptedOut = options.kind === 'permanent' && (options.recipientOptedOut ?? false);
	}
}

/** The adapter was built with a configuration it cannot use (no base URL, no API key …). */
export class ProviderConfigError extends Error {
	readonly code = 'provider_config';
	constructor(message: string) {
		super(message);
		this.name = 'ProviderConfigError';
	}
}
