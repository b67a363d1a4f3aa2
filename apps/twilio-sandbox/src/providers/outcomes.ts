/**
 * Magic numbers of the emulated HTTP providers (sms-retail, 23telecom): the same numbers
 * mean the same outcome on both, each provider reporting it in its own words.
 */
export const HTTP_PROVIDERS = ['sms-retail', '23telecom'] as const;
export type HttpProviderId = (typeof HTTP_PROVIDERS)[number];

export function isHttpProvider(value: string): value is HttpProviderId {
	return (HTTP_PROVIDERS as readonly string[]).includes(value);
}

/** Stages of a text at a provider, in our words; `words` below says how each provider spells them. */
export type Stage = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'expired' | 'unknown';

export const STATUS_WORDS: Readonly<Record<HttpProviderId, Readonly<Record<Stage, string>>>> = {
	'sms-retail': {
		queued: 'queued',
		sent: 'sent',
		delivered: 'delivered',
		undelivered: 'undelivered',
		failed: 'failed',
		expired: 'failed',
		unknown: 'on_hold'
	},
	'23telecom': {
		queued: 'PENDING',
		sent: 'SENT',
		delivered: 'DELIVRD',
		undelivered: 'UNDELIV',
		failed: 'REJECTD',
		expired: 'EXPIRED',
		unknown: 'ACCEPTD'
	}
};

export interface ProviderOutcome {
	number: string;
	/** Stages reported by delivery callbacks after the send answer (which says `queued`). */
	callbacks: readonly Stage[];
	description: string;
}

/** Accepted, then reported by callbacks. Any other valid number: sent → delivered. */
export const PROVIDER_OUTCOME_NUMBERS: readonly ProviderOutcome[] = [
	{ number: '+15005550010', callbacks: ['sent', 'undelivered'], description: 'sent → undelivered (UNDELIV)' },
	{ number: '+15005550014', callbacks: ['failed'], description: 'failed (sms-retail failed, 23telecom REJECTD)' },
	{ number: '+15005550015', callbacks: ['sent'], description: 'sent, then no delivery receipt ever' },
	{ number: '+15005550016', callbacks: ['sent', 'expired'], description: 'sent → expired (sms-retail failed, 23telecom EXPIRED)' },
	{
		number: '+15005550017',
		callbacks: ['sent', 'unknown'],
		description: 'sent → a status nobody documents (sms-retail on_hold, 23telecom ACCEPTD)'
	}
];

const DELIVERED: readonly Stage[] = ['sent', 'delivered'];
const byNumber = new Map(PROVIDER_OUTCOME_NUMBERS.map((o) => [o.number, o.callbacks]));

export function callbacksFor(to: string): readonly Stage[] {
	return byNumber.get(to) ?? DELIVERED;
}

/** Refused synchronously (HTTP 400) with the provider's "bad number" / "blocked" error. */
export const PROVIDER_REJECTIONS: Readonly<Record<string, 'invalid_number' | 'opted_out'>> = {
	'+15005550001': 'invalid_number',
	'+15005550004': 'opted_out'
};

/** Price per part, in EUR: sms-retail quotes it when accepting, 23telecom reports it on the final receipt. */
export const PRICE_PER_PART: Readonly<Record<HttpProviderId, number>> = { 'sms-retail': 0.0075, '23telecom': 0.012 };

/**
 * How a provider is made to misbehave (from the dev phone or /_sandbox/providers):
 * - `timeout`: requests are held without an answer (until the client gives up);
 * - `503`: every request is answered 503 before anything happens;
 * - `500-after-accept`: the text is accepted (and will be delivered) but the answer is a 500 —
 *   the case where the sender cannot know and must not send it elsewhere;
 * - `auth`: the API key is refused (401), as for a revoked key.
 */
export const DOWN_MODES = ['timeout', '503', '500-after-accept', 'auth'] as const;
export type DownMode = (typeof DOWN_MODES)[number];
