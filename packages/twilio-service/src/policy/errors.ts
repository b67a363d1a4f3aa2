export type PolicyErrorCode = 'invalid_time_zone' | 'invalid_time';

/** Preferences the delivery policy cannot interpret (bad IANA zone, malformed HH:MM). */
export class PolicyError extends Error {
	readonly code: PolicyErrorCode;

	constructor(options: { code: PolicyErrorCode; message: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'PolicyError';
		this.code = options.code;
	}
}
