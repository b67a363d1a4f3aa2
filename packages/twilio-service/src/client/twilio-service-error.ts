import type { ErrorScope } from '../errors/index.ts';

/** Twilio's numeric error code, or what went wrong before Twilio could answer. */
export type TwilioErrorCode = number | 'network' | 'timeout';

/**
 * Any failure talking to Twilio. `retryable` and `scope` come from the error catalogue;
 * network errors, timeouts, 5xx and 429 are always retryable.
 */
export class TwilioServiceError extends Error {
	readonly code: TwilioErrorCode;
	/** HTTP status Twilio answered; null when no answer arrived. */
	readonly status: number | null;
	readonly retryable: boolean;
	readonly scope: ErrorScope;
	/** Twilio's documentation link for the code, when it sent one. */
	readonly moreInfo: string | null;

	constructor(options: {
		code: TwilioErrorCode;
		status: number | null;
		message: string;
		retryable: boolean;
		scope: ErrorScope;
		moreInfo?: string | null;
		cause?: unknown;
	}) {
		super(options.message, { cause: options.cause });
		this.name = 'TwilioServiceError';
		this.code = options.code;
		this.status = options.status;
		this.retryable = options.retryable;
		this.scope = options.scope;
		this.moreInfo = options.moreInfo ?? null;
	}
}
