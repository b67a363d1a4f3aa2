import type { FieldIssue } from '$lib/api/v1/problems';
import type { BatchItemError } from './outcome.ts';

/** The request field and issue code of each named exception the send functions raise (SQLSTATE). */
const FIELD_OF: Record<string, { field: string; code: string }> = {
	// queue_sms_message's
	SM001: { field: 'body', code: 'empty_body' },
	SM002: { field: 'body', code: 'body_too_long' },
	SM003: { field: 'type', code: 'unknown_notification_type' },
	SM004: { field: 'to.phone', code: 'invalid_phone' },
	SM005: { field: 'to.userId', code: 'no_verified_phone' },
	SM006: { field: 'to.userId', code: 'unknown_user' },
	SM007: { field: 'priority', code: 'invalid_priority' },
	SM008: { field: 'template', code: 'unknown_template' },
	TP005: { field: 'variables', code: 'invalid_variables' },
	TP006: { field: 'variables', code: 'unexpected_variables' },
	WS018: { field: 'to.contactId', code: 'not_found' },
	// api_send_message's own (the field comes with them, in COLUMN)
	AP001: { field: 'to.userId', code: 'not_found' },
	AP002: { field: 'to.contactId', code: 'not_found' },
	AP003: { field: 'to.externalId', code: 'not_found' },
	AP004: { field: 'to.phone', code: 'required' },
	AP005: { field: 'to.phone', code: 'phone_taken' },
	AP006: { field: 'template', code: 'unknown_template' }
};

const MISSING = /^missing_variables: the template needs a value for: (.+)$/;

/** A postgres.js error (or a batch item's error) → the SQLSTATE, message and field it carries. */
export function sqlError(e: unknown): BatchItemError | null {
	const err = e as { code?: unknown; message?: unknown; column_name?: unknown };
	if (typeof err?.code !== 'string' || !(err.code in FIELD_OF)) return null;
	return { code: err.code, message: String(err.message ?? ''), field: typeof err.column_name === 'string' && err.column_name ? err.column_name : null };
}

/**
 * The issues a refused text gets, fields prefixed ("messages.3."); null when the error is not
 * one the send functions name (a bug or an outage: answered 500 by the caller).
 */
export function sqlIssues(e: BatchItemError, ctx: { prefix?: string; template?: string } = {}): FieldIssue[] | null {
	const f = FIELD_OF[e.code];
	if (!f) return null;
	const prefix = ctx.prefix ?? '';
	const missing = e.code === 'TP005' ? MISSING.exec(e.message) : null;
	if (missing) {
		return missing[1].split(', ').map((name) => ({
			field: `${prefix}variables.${name}`,
			message: `template "${ctx.template ?? ''}" needs a value for ${name}`,
			code: 'missing_variable'
		}));
	}
	// queue_sms_message's messages start with the name ("unknown_notification_type: x"); people want the rest.
	const message = e.message.replace(/^[a-z_]+:\s*/, '');
	return [{ field: `${prefix}${e.field ?? f.field}`, message, code: f.code }];
}
