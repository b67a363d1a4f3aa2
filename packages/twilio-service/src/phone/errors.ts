export type PhoneNumberErrorCode =
	| 'empty'
	| 'invalid_country'
	| 'too_short'
	| 'too_long'
	| 'not_a_number'
	| 'invalid';

/** A phone number could not be turned into a textable E.164 number; `message` says why, for a person. */
export class PhoneNumberError extends Error {
	readonly code: PhoneNumberErrorCode;
	readonly input: string;

	constructor(options: { code: PhoneNumberErrorCode; message: string; input: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'PhoneNumberError';
		this.code = options.code;
		this.input = options.input;
	}
}
