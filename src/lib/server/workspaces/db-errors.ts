import { WorkspaceError, type WorkspaceErrorCode } from './errors.ts';

interface PgError {
	code?: string;
	message?: string;
	constraint_name?: string;
	hint?: string;
}

function isPgError(e: unknown): e is PgError {
	return typeof e === 'object' && e !== null && 'code' in e && typeof (e as PgError).code === 'string';
}

/**
 * The database's refusals, as errors a person can act on. Our SQL functions raise with a
 * SQLSTATE and a message written for people; RLS refusals (42501) become "not allowed";
 * anything else is rethrown as it is (a 500 with a reference, logged).
 */
export function asWorkspaceError(e: unknown, fallback: { field?: string } = {}): WorkspaceError | null {
	if (!isPgError(e)) return null;
	const message = e.message ?? 'That could not be done.';
	const by = (code: WorkspaceErrorCode, text = message) => new WorkspaceError({ code, message: text, field: fallback.field, cause: e });
	switch (e.code) {
		case '42501':
			return by('forbidden', 'Your role in this workspace does not allow that.');
		case '23505':
			return by('conflict', message);
		case '23514':
		case '22023':
		case '22P02':
		case '23502':
		case 'P0001':
			return by(classify(message), message);
		case 'P0002':
			return by('not_found', message);
		default:
			return null;
	}
}

function classify(message: string): WorkspaceErrorCode {
	const m = message.toLowerCase();
	if (m.includes('last owner')) return 'last_owner';
	if (m.includes('expired')) return 'invitation_expired';
	if (m.includes('revoked')) return 'invitation_revoked';
	if (m.includes('already accepted') || m.includes('already been accepted')) return 'invitation_accepted';
	if (m.includes('e-mail') || m.includes('email')) return 'invitation_wrong_email';
	return 'invalid';
}

/** The unique constraint a 23505 names (so a conflict can be put next to its field), or null. */
export function uniqueViolation(e: unknown): string | null {
	if (!isPgError(e) || e.code !== '23505') return null;
	return e.constraint_name ?? e.message ?? '';
}
