import type { Db } from '@sms/db';
import type { Logger } from 'pino';
import type { WorkspaceContext } from '$lib/server/workspaces/context';
import type { OrgRole } from '$lib/workspaces/roles';
import { requireApiWorkspace, type ApiEvent } from './context.ts';
import { respond } from './respond.ts';

/**
 * One campaign API endpoint: the workspace and role first (401/404/403), then the handler;
 * its result as JSON, its refusal as a JSON error. `deps` is resolved per request so tests can
 * hand in their own database.
 */
export function campaignRoute<T>(
	minRole: OrgRole,
	deps: () => { db: Db; log: Pick<Logger, 'error'> },
	handler: (ws: WorkspaceContext, event: ApiEvent, db: Db) => Promise<T>,
	status = 200
): (event: ApiEvent) => Promise<Response> {
	return (event) => {
		const { db, log } = deps();
		return respond(log, async () => {
			const ws = await requireApiWorkspace(db, event, minRole);
			return { status, body: await handler(ws, event, db) };
		});
	};
}
