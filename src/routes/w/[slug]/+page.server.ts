import { db } from '$lib/server/db';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const [counts] = await db().asUser(
		ctx.claims,
		(tx) => tx<{ members: number; contacts: number }[]>`
			select (select count(*)::int from public.organization_members where organization_id = ${ctx.organization.id}) as members,
				(select count(*)::int from public.contacts where organization_id = ${ctx.organization.id}) as contacts`
	);
	return { counts };
};
