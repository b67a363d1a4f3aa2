import { myWorkspaces } from '$lib/server/workspaces/context';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => ({
	user: locals.user,
	authMode: locals.authMode,
	// For the header's workspace switcher.
	workspaces: locals.claims ? await myWorkspaces(locals.claims) : []
});
