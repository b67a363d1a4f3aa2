import { db } from '$lib/server/db';
import { AUDIT_PAGE_SIZE, auditActions, listAudit, parseAuditFilter } from '$lib/server/workspaces/audit-log';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { listMembers } from '$lib/server/workspaces/members';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	const filter = parseAuditFilter(event.url.searchParams);
	return db().asUser(ctx.claims, async (tx) => {
		const members = await listMembers(tx, ctx.organization.id);
		const emails = new Map(members.map((m) => [m.userId, m.email]));
		const { rows, older } = await listAudit(tx, { organizationId: ctx.organization.id, filter, limit: AUDIT_PAGE_SIZE, emails, showNumbers: ctx.can.operate });
		return {
			rows,
			older,
			filter,
			people: members.map((m) => ({ value: m.userId, label: m.email })),
			actions: await auditActions(tx, ctx.organization.id)
		};
	});
};
