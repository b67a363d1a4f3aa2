import { fail, isActionFailure, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import type { TransactionSql } from '@sms/db';
import type { OrgRole } from '$lib/workspaces/roles';
import { db } from '../db.ts';
import { clientIp, setRequestIp } from './audit.ts';
import { requireWorkspace, type WorkspaceContext } from './context.ts';
import { asWorkspaceError } from './db-errors.ts';
import { WorkspaceError } from './errors.ts';

export interface ActionTools {
	ctx: WorkspaceContext;
	tx: TransactionSql;
}

export type ActionFailureData = { action: string; errors: Record<string, string>; values?: Record<string, string> };

/**
 * A /w/[slug] form action: refuses callers below `minRole` (403, whatever the page showed),
 * then runs `fn` as the user (RLS) in one transaction; the database's triggers write the audit
 * row (with the client's IP, set here) in that same transaction. A refusal from the
 * database comes back as a form failure with its message, and nothing is written.
 */
export async function workspaceAction<T extends Record<string, unknown>>(
	event: RequestEvent,
	options: { action: string; minRole: OrgRole; field?: string; values?: Record<string, string> },
	fn: (tools: ActionTools) => Promise<T | ActionFailure<ActionFailureData>>
): Promise<(T & { action: string }) | ActionFailure<ActionFailureData>> {
	const ctx = await requireWorkspace(event, options.minRole);
	const ip = clientIp(event.getClientAddress);
	try {
		const result: T = await db().asUser(ctx.claims, async (tx) => {
			await setRequestIp(tx, ip);
			const out: unknown = await fn({ ctx, tx });
			// A validation failure inside: roll back whatever was done before it.
			if (isActionFailure(out)) throw new Rollback(out as unknown as ActionFailure<ActionFailureData>);
			return out as T;
		});
		return Object.assign({}, result, { action: options.action });
	} catch (e) {
		if (e instanceof Rollback) return e.failure;
		const known = e instanceof WorkspaceError ? e : asWorkspaceError(e, { field: options.field });
		if (known) {
			return fail(known.status, { action: options.action, errors: { [known.field ?? 'form']: known.message }, values: options.values });
		}
		throw e;
	}
}

class Rollback extends Error {
	constructor(readonly failure: ActionFailure<ActionFailureData>) {
		super('rollback');
	}
}
