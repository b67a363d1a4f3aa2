import { redirect } from '@sveltejs/kit';
import { loginUrl } from '$lib/redirect';
import type { PageServerLoad } from './$types';

/** /w: straight into the workspace when there is one; otherwise a list (or a way to create one). */
export const load: PageServerLoad = async ({ locals, url, parent }) => {
	if (!locals.claims) redirect(303, loginUrl(url));
	const { workspaces } = await parent();
	// Just deleted one: stay to say so, rather than jumping into the one that is left.
	const deleted = url.searchParams.get('deleted');
	if (workspaces.length === 1 && !deleted) redirect(303, `/w/${workspaces[0].slug}`);
	return { deleted: deleted ? deleted.slice(0, 100) : null };
};
