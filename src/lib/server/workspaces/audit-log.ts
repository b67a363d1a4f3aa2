import { z } from 'zod';
import type { TransactionSql } from '@sms/db';
import { shownSealedFields } from '../phones/view.ts';

export interface AuditRow {
	id: string;
	createdAt: string;
	actorId: string | null;
	actorEmail: string | null;
	action: string;
	targetType: string | null;
	targetId: string | null;
	before: Record<string, unknown> | null;
	after: Record<string, unknown> | null;
	ip: string | null;
}

export interface AuditFilter {
	actor: string | null;
	action: string | null;
	/** Keyset: rows older than this id. */
	before: string | null;
}

const filterSchema = z.object({
	actor: z.uuid().nullable(),
	action: z
		.string()
		.regex(/^[a-z_]+(\.[a-z_]+)*$/)
		.max(100)
		.nullable(),
	before: z
		.string()
		.regex(/^\d{1,18}$/)
		.nullable()
});

/** ?actor=&action=&before= ; a malformed value is ignored (the page shows everything) rather than failing. */
export function parseAuditFilter(search: URLSearchParams): AuditFilter {
	const get = (k: string) => search.get(k) || null;
	const raw = { actor: get('actor'), action: get('action'), before: get('before') };
	const parsed = filterSchema.safeParse(raw);
	if (parsed.success) return parsed.data;
	return {
		actor: filterSchema.shape.actor.safeParse(raw.actor).data ?? null,
		action: filterSchema.shape.action.safeParse(raw.action).data ?? null,
		before: filterSchema.shape.before.safeParse(raw.before).data ?? null
	};
}

export const AUDIT_PAGE_SIZE = 50;

/**
 * Newest first; `limit` rows (plus one to tell whether there is an older page). Numbers in
 * before/after are stored sealed and come out through the viewer rule (phones/view.ts).
 */
export async function listAudit(
	tx: TransactionSql,
	options: {
		organizationId: string;
		filter: AuditFilter;
		limit: number;
		emails: ReadonlyMap<string, string>;
		/** Whether the reader may see numbers (ctx.can.operate): sealed numbers are opened, else shown as last four. */
		showNumbers?: boolean;
	}
): Promise<{ rows: AuditRow[]; older: string | null }> {
	const f = options.filter;
	const rows = await tx<
		{ id: string; created_at: Date; actor_id: string | null; action: string; target_type: string | null; target_id: string | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null; ip: string | null }[]
	>`
		select id::text as id, created_at, actor_id, action, target_type, target_id::text as target_id, before, after, host(ip) as ip
		from public.audit_log
		where organization_id = ${options.organizationId}
			${f.actor ? tx`and actor_id = ${f.actor}` : tx``}
			${f.action ? tx`and action = ${f.action}` : tx``}
			${f.before ? tx`and id < ${f.before}::bigint` : tx``}
		order by id desc
		limit ${options.limit + 1}`;
	const page = rows.slice(0, options.limit).map((r) => ({
		id: r.id,
		createdAt: r.created_at.toISOString(),
		actorId: r.actor_id,
		actorEmail: r.actor_id ? (options.emails.get(r.actor_id) ?? null) : null,
		action: r.action,
		targetType: r.target_type,
		targetId: r.target_id,
		before: shownSealedFields(r.before, options.showNumbers ?? false) as AuditRow['before'],
		after: shownSealedFields(r.after, options.showNumbers ?? false) as AuditRow['after'],
		ip: r.ip
	}));
	return { rows: page, older: rows.length > options.limit ? page[page.length - 1].id : null };
}

/** The actions that occur in this workspace's log, for the filter. */
export async function auditActions(tx: TransactionSql, organizationId: string): Promise<string[]> {
	const rows = await tx<{ action: string }[]>`
		select distinct action from public.audit_log where organization_id = ${organizationId} order by action limit 200`;
	return rows.map((r) => r.action);
}
