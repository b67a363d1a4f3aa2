import { WorkspaceError, type WorkspaceErrorCode } from './errors.ts';

interface PgError {
	code?: string;
	message?: string;
	constraint_name?: string;
}

function isPgError(e: unknown): e is PgError {
	return typeof e === 'object' && e !== null && 'code' in e && typeof (e as PgError).code === 'string';
}

/**
 * The workspace API's named exceptions (SQLSTATE WS001…, see migration 20261201030000), as
 * errors a person can act on, next to the field they concern. The database's own wording
 * ("slug_taken: another workspace already uses …") loses its code prefix; where a person
 * needs to know what to do next, the message here says it.
 */
const BY_SQLSTATE: Record<string, { code: WorkspaceErrorCode; field?: string; message?: string }> = {
	WS001: { code: 'forbidden', message: 'Your role in this workspace does not allow that.' },
	WS002: { code: 'invalid', field: 'slug', message: 'Use 3 to 48 lower-case letters, digits or dashes (not at the start or end), and not a reserved word like "new" or "admin".' },
	WS003: { code: 'conflict', field: 'slug', message: 'Another workspace already uses this address; choose another.' },
	WS004: { code: 'invalid', field: 'name', message: 'Enter a name of 1 to 100 characters.' },
	WS005: { code: 'invalid' },
	WS006: {
		code: 'last_owner',
		message: 'A workspace needs an owner: you are the last one. Make someone else owner (Transfer ownership) first.'
	},
	WS007: { code: 'not_found', message: 'That person is no longer a member of this workspace.' },
	WS008: { code: 'forbidden', field: 'role', message: 'You cannot give a role above your own.' },
	WS009: { code: 'invalid', field: 'email', message: 'Enter a valid e-mail address, like name@example.com.' },
	WS010: { code: 'conflict', field: 'email', message: 'This person is already a member of this workspace.' },
	WS011: { code: 'not_found', message: 'This invitation link is not valid. Ask the person who invited you for a new one.' },
	WS012: { code: 'invitation_expired', message: 'This invitation has expired (they last 7 days). Ask an owner or admin for a new one.' },
	WS013: { code: 'invitation_revoked', message: 'This invitation was revoked. Ask an owner or admin for a new one.' },
	WS014: { code: 'invitation_accepted', message: 'This invitation was already accepted.' },
	WS015: { code: 'invitation_wrong_email' },
	WS018: { code: 'not_found', message: 'That contact no longer exists.' },
	WS020: { code: 'invalid' },
	WS021: { code: 'invalid', field: 'confirmSlug', message: "That is not this workspace's address. Type it exactly as shown to delete the workspace." },
	WS023: { code: 'conflict', message: 'A text to this contact is being handed to the provider right now. Try again in a minute.' },
	// Templates (migrations 20261201071000/071200).
	TP001: { code: 'not_found', message: 'That template no longer exists.' },
	TP002: { code: 'invalid' },
	TP003: { code: 'conflict', field: 'key', message: 'This workspace already has a template with this key; choose another.' },
	TP004: { code: 'conflict' },
	TP005: { code: 'invalid' },
	TP006: { code: 'invalid' }
};

/** "slug_taken: another workspace …" → "Another workspace …" */
function plain(message: string | undefined): string {
	const text = (message ?? '').replace(/^[a-z_]+:\s*/, '');
	return text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : 'That could not be done.';
}

/** A database refusal as a WorkspaceError, or null for anything unexpected (rethrow it: a 500, logged). */
export function asWorkspaceError(e: unknown, fallback: { field?: string } = {}): WorkspaceError | null {
	if (!isPgError(e) || !e.code) return null;
	const known = BY_SQLSTATE[e.code];
	if (known) return new WorkspaceError({ code: known.code, field: known.field ?? fallback.field, message: known.message ?? plain(e.message), cause: e });
	// Row-level security refused a direct write.
	if (e.code === '42501') return new WorkspaceError({ code: 'forbidden', message: 'Your role in this workspace does not allow that.', cause: e });
	return null;
}

/** The unique constraint a 23505 names (so a conflict can be put next to its field), or null. */
export function uniqueViolation(e: unknown): string | null {
	if (!isPgError(e) || e.code !== '23505') return null;
	return e.constraint_name ?? e.message ?? '';
}
