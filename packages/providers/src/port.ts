/**
 * The provider port: what the worker needs from any SMS provider. Adapters never throw for
 * provider or network failures; they answer `{ ok: false, error }` with a classified
 * ProviderError, so the send path decides retry / fail / fail over in one place.
 */
import type { ProviderError } from './errors.ts';

export const PROVIDER_IDS = ['twilio', 'sms-retail', '23telecom'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(value: string): value is ProviderId {
	return (PROVIDER_IDS as readonly string[]).includes(value);
}

/**
 * A provider's status, normalised. `undelivered` (the network gave up on the handset) is
 * kept apart from `failed` (refused before or at sending) even where the UI shows both as
 * Failed. `unknown` is a status we do not recognise: stored, never applied.
 */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'unknown'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface SendTextInput {
	/** E.164 destination. */
	to: string;
	body: string;
	/** Sender id or number; the adapter's configured default when omitted. */
	from?: string | null;
	/** Where the provider posts delivery reports; the adapter's configured default when omitted. */
	callbackUrl?: string | null;
	/**
	 * Stable per text (our message id). HTTP providers get it as their idempotency key and
	 * client reference, so a retried request never sends twice and `findDispatched` can ask.
	 */
	idempotencyKey: string;
}

/** What the provider told us about a text it accepted (or about a text we asked for). */
export interface ProviderText {
	/** The provider's own id for the text (Twilio's SID, sms-retail's numeric id as text, …). */
	reference: string;
	/** Exactly as the provider wrote it. */
	rawStatus: string;
	status: DeliveryStatus;
	/** Segments (parts) charged; null when the provider did not say. */
	segments: number | null;
	/** Actual price as a positive number; null until the provider reports one. */
	price: number | null;
	priceUnit: string | null;
	/** The provider's error code for a failed/undelivered text, as text. */
	errorCode: string | null;
	errorMessage: string | null;
}

export type ProviderResult<T> = { ok: true; value: T } | { ok: false; error: ProviderError };

export interface FindDispatchedInput {
	/** The reference stored before a crash, if it was stored. */
	reference?: string | null;
	idempotencyKey: string;
	to: string;
	body: string;
	/** When dispatching began; a match must not be older (minus clock skew). */
	since: Date;
}

export interface SmsProvider {
	readonly id: ProviderId;
	/** Send one prepared text. */
	send(input: SendTextInput): Promise<ProviderResult<ProviderText>>;
	/** The provider's current view of a text; a reference it does not know is a `permanent` error. */
	fetchStatus(reference: string): Promise<ProviderResult<ProviderText>>;
	/**
	 * Every text an earlier, interrupted attempt may have created at the provider, oldest first.
	 * `[]` means it certainly did not reach it (safe to send, here or elsewhere); more than one
	 * (Twilio has no idempotency key) is for a person to review; an error means we cannot tell yet.
	 */
	findDispatched(input: FindDispatchedInput): Promise<ProviderResult<ProviderText[]>>;
}
