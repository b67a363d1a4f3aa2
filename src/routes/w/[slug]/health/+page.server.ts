import { db } from '$lib/server/db';
import { loadWorkspaceHealth } from '$lib/server/operations/health';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	return db().asUser(ctx.claims, async (tx) => ({ health: await loadWorkspaceHealth(tx, ctx.organization.id) }));
};
