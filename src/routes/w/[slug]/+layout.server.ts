import { db } from '$lib/server/db';
import { openAlerts } from '$lib/server/operations/alerts';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const { organization, role, can, claims } = await requireWorkspace(event, 'viewer');
	// The banner: open alerts are shown on every workspace page.
	const alerts = await db().asUser(claims, (tx) => openAlerts(tx, organization.id));
	return { workspace: { id: organization.id, slug: organization.slug, name: organization.name, role }, can, openAlerts: alerts };
};
