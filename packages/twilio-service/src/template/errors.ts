export type TemplateErrorCode = 'missing_variables' | 'unexpected_variables' | 'too_long';

export interface TemplateErrorOptions {
	code: TemplateErrorCode;
	message: string;
	missing?: string[];
	unexpected?: string[];
	cause?: unknown;
}

/** A template could not be rendered into a sendable text. */
export class TemplateError extends Error {
	readonly code: TemplateErrorCode;
	/** Variables the template needs but were not given (or were null/undefined/blank). */
	readonly missing: string[];
	/** Placeholders the template uses that its declared `requiredVars` do not list. */
	readonly unexpected: string[];

	constructor(options: TemplateErrorOptions) {
		super(options.message, { cause: options.cause });
		this.name = 'TemplateError';
		this.code = options.code;
		this.missing = options.missing ?? [];
		this.unexpected = options.unexpected ?? [];
	}
}
