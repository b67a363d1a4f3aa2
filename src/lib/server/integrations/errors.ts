import { WorkspaceError } from '../workspaces/errors.ts';

/**
 * The API key (AK…) and webhook (WH…) named exceptions of migrations 20261201090000 and
 * 20261201090300, as form errors next to their field. Anything else is rethrown (a 500, logged).
 */
const BY_SQLSTATE: Record<string, { code: 'invalid' | 'not_found'; field?: string; message: string }> = {
	AK001: { code: 'invalid', field: 'name', message: 'Give the key a name of 1 to 100 characters.' },
	AK002: { code: 'invalid', field: 'scopes', message: 'Choose one or more scopes.' },
	AK003: { code: 'invalid', field: 'rate', message: 'Choose between 1 and 1000 requests a second.' },
	AK004: { code: 'not_found', message: 'That API key no longer exists.' },
	WH001: { code: 'invalid', field: 'url', message: 'Give an https URL.' },
	WH002: { code: 'invalid', field: 'events', message: 'Choose one or more events.' },
	WH003: { code: 'not_found', message: 'That webhook endpoint or delivery no longer exists.' }
};

export function asIntegrationError(e: unknown): WorkspaceError | null {
	const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
	const known = BY_SQLSTATE[code];
	return known ? new WorkspaceError({ ...known, cause: e }) : null;
}

/** Runs a database call, turning its named refusals into WorkspaceErrors for workspaceAction. */
export async function refusalsAsErrors<T>(fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (e) {
		throw asIntegrationError(e) ?? e;
	}
}
