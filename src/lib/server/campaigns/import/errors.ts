export type ImportErrorCode =
	| 'too_large'
	| 'too_many_rows'
	| 'not_text'
	| 'mixed_encoding'
	| 'empty'
	| 'no_phone_column'
	| 'unknown_column'
	| 'malformed_csv';

/**
 * The file as a whole cannot be imported. `message` is for a person and says what to do next;
 * the HTTP layer answers it as a 4xx (413 for the size limits, 422 otherwise).
 */
export class ImportError extends Error {
	readonly code: ImportErrorCode;

	constructor(options: { code: ImportErrorCode; message: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'ImportError';
		this.code = options.code;
	}
}
