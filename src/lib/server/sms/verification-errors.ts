export type VerificationErrorCode =
	| 'invalid_number'
	| 'phone_taken'
	| 'rate_limited'
	| 'too_many_attempts'
	| 'wrong_code'
	| 'expired'
	| 'not_started'
	| 'provider_error';

/** HTTP status for each failure, shared by the JSON API and the settings page actions. */
export const VERIFICATION_STATUS: Record<VerificationErrorCode, number> = {
	invalid_number: 400,
	wrong_code: 400,
	expired: 400,
	not_started: 400,
	phone_taken: 409,
	rate_limited: 429,
	too_many_attempts: 429,
	provider_error: 502
};

/** A phone verification step failed; `message` is written for the person at the keyboard. */
export class VerificationError extends Error {
	readonly code: VerificationErrorCode;
	readonly status: number;
	/** Which form field the message belongs next to. */
	readonly field: 'phone' | 'code' | null;
	/** Seconds until trying again can succeed (rate limits). */
	readonly retryAfterSeconds: number | null;

	constructor(options: {
		code: VerificationErrorCode;
		message: string;
		field?: 'phone' | 'code' | null;
		retryAfterSeconds?: number | null;
		cause?: unknown;
	}) {
		super(options.message, { cause: options.cause });
		this.name = 'VerificationError';
		this.code = options.code;
		this.status = VERIFICATION_STATUS[options.code];
		this.field = options.field ?? null;
		this.retryAfterSeconds = options.retryAfterSeconds ?? null;
	}
}

/** "30 seconds", "1 minute", "12 minutes" — for rate-limit messages. */
export function waitPhrase(seconds: number): string {
	if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
	const minutes = Math.ceil(seconds / 60);
	return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** The JSON API's answer for a failed step: status, Retry-After when it applies, and a body. */
export function verificationErrorResponse(error: VerificationError): {
	status: number;
	headers: Record<string, string>;
	body: { success: false; error: string; code: VerificationErrorCode; retryAfterSeconds?: number };
} {
	const headers: Record<string, string> = {};
	if (error.retryAfterSeconds !== null) headers['retry-after'] = String(error.retryAfterSeconds);
	return {
		status: error.status,
		headers,
		body: {
			success: false,
			error: error.message,
			code: error.code,
			...(error.retryAfterSeconds !== null ? { retryAfterSeconds: error.retryAfterSeconds } : {})
		}
	};
}
