import { db } from '../db.ts';
import type { WorkspaceContext } from '../workspaces/context.ts';

/** Times on the console are written in the viewer's own zone, else the workspace's default. */
export async function viewerTimeZone(ctx: WorkspaceContext): Promise<string> {
	const [row] = await db().asUser(
		ctx.claims,
		(tx) => tx<{ time_zone: string | null }[]>`select time_zone from public.user_sms_preferences where user_id = auth.uid()`
	);
	return row?.time_zone ?? ctx.organization.defaultTimeZone;
}
