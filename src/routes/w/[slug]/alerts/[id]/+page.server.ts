import { error } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { alertMessagesLink, getAlert } from '$lib/server/operations/alerts';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const alert = await db().asUser(ctx.claims, (tx) => getAlert(tx, ctx.organization.id, event.params.id));
	if (!alert) error(404, 'No such alert in this workspace.');
	const slug = ctx.organization.slug;
	return {
		alert,
		messagesLink: alertMessagesLink(slug, alert),
		codeLinks: Object.fromEntries(alert.codes.map((c) => [c.code, alertMessagesLink(slug, alert, c.code)]))
	};
};
