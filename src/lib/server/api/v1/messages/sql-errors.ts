import type { FieldIssue } from '$lib/api/v1/problems';

/** queue_sms_message's named exceptions (SQLSTATE SMxxx) as the request field at fault. */
const FIELD_OF: Record<string, { field: string; code: string }> = {
	SM001: { field: 'body', code: 'empty_body' },
	SM002: { field: 'body', code: 'body_too_long' },
	SM003: { field: 'type', code: 'unknown_notification_type' },
	SM004: { field: 'to.phone', code: 'invalid_phone' },
	SM005: { field: 'to.userId', code: 'no_verified_phone' },
	SM006: { field: 'to.userId', code: 'unknown_user' },
	SM007: { field: 'priority', code: 'invalid_priority' },
	SM008: { field: 'template', code: 'unknown_template' }
};

export function sqlErrorToIssue(e: unknown, prefix = ''): FieldIssue | null {
	const err = e as { code?: string; message?: string };
	const f = err.code ? FIELD_OF[err.code] : undefined;
	if (!f) return null;
	// The message starts with the name ("unknown_notification_type: x"); people want the rest.
	const message = (err.message ?? '').replace(/^[a-z_]+:\s*/, '');
	return { field: `${prefix}${f.field}`, message, code: f.code };
}
