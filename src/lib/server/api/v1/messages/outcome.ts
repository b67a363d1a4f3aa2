import type { Problem } from '$lib/api/v1/schemas/common';

/** What public.api_send_message / api_send_batch answer (see 20261202060000_api_send_in_one_call.sql). */
export interface SendOutcome {
	status: number;
	body?: unknown;
	/** Set when the key or the Idempotency-Key refused the request (nothing was written). */
	refusal?: 'unknown_key' | 'missing_scope' | 'idempotency_key_reused';
	replayed?: boolean;
	/** The key's rate limit (null for an unknown key), for the limiter in front of the database. */
	rateLimitPerSecond: number | null;
}

/** One input of a batch as the database takes it: valid for the schema, or refused by it already. */
export type BatchItemInput = { index: number; message: unknown } | { index: number; problem: Problem };

/** A text of a batch the database refused, as it answers it (worded as a problem by the web server). */
export interface BatchItemError {
	code: string;
	message: string;
	/** The request field at fault, relative to the text ("to.phone"), when the database knows it. */
	field: string | null;
}
