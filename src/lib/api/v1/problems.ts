import type { z } from 'zod';
import type { Problem } from './schemas/common.ts';

/**
 * Every kind of problem /api/v1 answers with. The `type` URI is a relative reference to the
 * section of the API reference page that explains it (RFC 9457 §3.1.1).
 */
export const PROBLEM_TYPES = {
	invalid_request: { status: 422, title: 'The request has invalid fields' },
	malformed_json: { status: 400, title: 'The request body is not valid JSON' },
	unsupported_media_type: { status: 415, title: 'Send the body as application/json' },
	payload_too_large: { status: 413, title: 'The request body is too large' },
	unauthorized: { status: 401, title: 'Missing or invalid API key' },
	forbidden: { status: 403, title: 'The API key may not do this' },
	not_found: { status: 404, title: 'Not found' },
	method_not_allowed: { status: 405, title: 'Method not allowed' },
	idempotency_key_reused: { status: 409, title: 'The Idempotency-Key was used with a different request' },
	idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
	not_cancelable: { status: 409, title: 'The text can no longer be canceled' },
	contact_busy: { status: 409, title: 'A text to the contact is being handed to the provider' },
	rate_limited: { status: 429, title: 'Too many requests for this API key' },
	internal: { status: 500, title: 'Something went wrong on our side' }
} as const;
export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const problemTypeUri = (kind: ProblemKind) => `/docs/api#problem-${kind.replaceAll('_', '-')}`;

export interface FieldIssue {
	field: string;
	message: string;
	code: string;
}

export function problem(kind: ProblemKind, detail: string, extra: { field?: string; errors?: FieldIssue[]; instance?: string } = {}): Problem {
	const t = PROBLEM_TYPES[kind];
	return { type: problemTypeUri(kind), title: t.title, status: t.status, detail, ...extra };
}

/** A dotted path ("to.phone", "messages.3.sendAt"); the body itself is "body" only when it is the field. */
export function fieldPath(path: readonly PropertyKey[], prefix: readonly PropertyKey[] = []): string {
	const all = [...prefix, ...path].map(String);
	return all.length ? all.join('.') : '(body)';
}

export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
	return error.issues.map((i) => ({ field: fieldPath(i.path, prefix), message: i.message, code: i.code }));
}

/** A 422 naming every field at fault; `field` and `detail` name the first. */
export function validationProblem(issues: FieldIssue[]): Problem {
	const first = issues[0] ?? { field: '(body)', message: 'is invalid', code: 'custom' };
	const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''} in "errors")` : '';
	return problem('invalid_request', `${first.field}: ${first.message}${more}`, { field: first.field, errors: issues });
}
