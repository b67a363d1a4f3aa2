/**
 * An error answered to an API client exactly as Twilio shapes it:
 * `{ code, message, more_info, status }` with the same HTTP status.
 */
export class TwilioApiError extends Error {
	readonly code: number;
	readonly status: number;

	constructor(options: { code: number; status: number; message: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'TwilioApiError';
		this.code = options.code;
		this.status = options.status;
	}

	toBody(): { code: number; message: string; more_info: string; status: number } {
		return {
			code: this.code,
			message: this.message,
			more_info: `https://www.twilio.com/docs/errors/${this.code}`,
			status: this.status
		};
	}
}
