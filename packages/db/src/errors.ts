/** Raised when the database cannot be reached, migrated or started. */
export class DatabaseSetupError extends Error {
	readonly code: string;
	constructor(code: string, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'DatabaseSetupError';
		this.code = code;
	}
}
