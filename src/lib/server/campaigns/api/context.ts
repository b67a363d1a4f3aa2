import type { RequestEvent } from '@sveltejs/kit';
import type { Db } from '@sms/db';
import { loadWorkspace, type WorkspaceContext } from '$lib/server/workspaces/context';
import type { OrgRole } from '$lib/workspaces/roles';
import { CampaignApiError } from './errors.ts';

export type ApiEvent = Pick<RequestEvent, 'locals' | 'params' | 'request' | 'url'>;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RANK: Record<OrgRole, number> = { viewer: 0, operator: 1, admin: 2, owner: 3 };

/**
 * requireWorkspace for the JSON API: the session cookie's user and their role in the slug's
 * workspace, answered as JSON errors instead of redirects — 401 signed out, 404 not a member
 * (a slug's existence is never revealed), 403 role too low.
 */
export async function requireApiWorkspace(db: Db, event: ApiEvent, minRole: OrgRole): Promise<WorkspaceContext> {
	const { user, claims } = event.locals;
	if (!user || !claims) throw new CampaignApiError({ status: 401, code: 'unauthorized', message: 'Sign in first: this needs your session.' });
	const slug = event.params.slug ?? '';
	const found = SLUG.test(slug) ? await db.asUser(claims, (tx) => loadWorkspace(tx, slug)) : null;
	if (!found) throw new CampaignApiError({ status: 404, code: 'not_found', message: 'No such workspace.' });
	if (RANK[found.role] < RANK[minRole]) {
		throw new CampaignApiError({ status: 403, code: 'forbidden', message: `This needs the ${minRole} role or above in ${found.organization.name}.` });
	}
	return { ...found, claims, userId: user.id };
}
