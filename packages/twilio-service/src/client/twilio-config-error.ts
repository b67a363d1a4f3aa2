/** The client was asked to do something its configuration does not allow (e.g. Verify without a service SID). */
export class TwilioConfigError extends Error {
	readonly code = 'twilio_config';

	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'TwilioConfigError';
	}
}
