import { db } from '$lib/server/db';
import { clientIp, recordAction } from '$lib/server/workspaces/audit';
import { auditCsv } from '$lib/server/workspaces/audit-csv';
import { listAudit, parseAuditFilter } from '$lib/server/workspaces/audit-log';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { listMembers } from '$lib/server/workspaces/members';
import type { RequestHandler } from './$types';

/** At most this many rows per file: narrow the filter for more. */
const EXPORT_LIMIT = 50_000;

export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	const filter = { ...parseAuditFilter(event.url.searchParams), before: null };
	const rows = await db().asUser(ctx.claims, async (tx) => {
		const emails = new Map((await listMembers(tx, ctx.organization.id)).map((m) => [m.userId, m.email]));
		return (await listAudit(tx, { organizationId: ctx.organization.id, filter, limit: EXPORT_LIMIT, emails, showNumbers: ctx.can.operate })).rows;
	});
	// Who took a copy of the log is itself worth knowing.
	await recordAction({
		organizationId: ctx.organization.id,
		actorId: ctx.userId,
		action: 'audit_log.exported',
		targetType: 'audit_log',
		after: { rows: rows.length, actor: filter.actor, action: filter.action },
		ip: clientIp(event.getClientAddress)
	});
	const date = new Date().toISOString().slice(0, 10);
	return new Response(auditCsv(rows), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="audit-${ctx.organization.slug}-${date}.csv"`,
			'cache-control': 'no-store'
		}
	});
};
