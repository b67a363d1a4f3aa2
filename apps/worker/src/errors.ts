/** Typed errors of the worker: each has a stable `code` and keeps its `cause`. */

export class WorkerError extends Error {
	readonly code: string;
	constructor(code: string, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = new.target.name;
		this.code = code;
	}
}

/** The environment is missing or malformed; `problems` names each variable. */
export class ConfigError extends WorkerError {
	readonly problems: string[];
	constructor(problems: string[], options?: { cause?: unknown }) {
		super('invalid_config', `Worker configuration is invalid:\n  - ${problems.join('\n  - ')}`, options);
		this.problems = problems;
	}
}

/** A queue job whose payload does not name a message (written by something other than queue_sms_message). */
export class BadJobError extends WorkerError {
	constructor(message: string, options?: { cause?: unknown }) {
		super('bad_job', message, options);
	}
}

/** A call to the SQL API failed or answered something the worker cannot act on. */
export class StoreError extends WorkerError {
	constructor(message: string, options?: { cause?: unknown }) {
		super('store_error', message, options);
	}
}

/**
 * Postgres' "try again" answers: deadlock_detected (40P01) and serialization_failure (40001).
 * The transaction was rolled back and says nothing about the text: run the same step again.
 */
export function isTransientDbError(error: unknown): boolean {
	const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
	return code === '40P01' || code === '40001';
}
