import { requireWorkspace } from '$lib/server/workspaces/context';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const { organization, role, can } = await requireWorkspace(event, 'viewer');
	return { workspace: { id: organization.id, slug: organization.slug, name: organization.name, role }, can };
};
