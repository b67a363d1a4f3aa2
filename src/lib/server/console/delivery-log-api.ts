import { json } from '@sveltejs/kit';
import type { Claims, Db } from '@sms/db';
import { loadWorkspace } from '../workspaces/context.ts';
import { deliveryAttempt } from './delivery-attempt.ts';
import { parseDeliveryLogFilters } from './delivery-log-filters.ts';
import { countDeliveryEvents, listDeliveryEvents } from './delivery-log.ts';
import { MessageFilterError } from './message-filters.ts';

/**
 * GET /api/sms-delivery-log and /api/sms-delivery-log/[messageId], for a signed-in member
 * (session cookie). The workspace is the required `workspace` parameter (its slug, as in
 * /w/<slug>); a day given as YYYY-MM-DD is a UTC day. Bad parameters → 400 naming the
 * parameter; a workspace the caller is not in, or another workspace's text → 404.
 */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_STORE = { 'cache-control': 'no-store' };

const problem = (status: number, code: string, message: string, parameter?: string) =>
	json({ error: { code, message, ...(parameter ? { parameter } : {}) } }, { status, headers: NO_STORE });

type Resolved = { ok: true; organizationId: string; defaultCountry: string; showNumbers: boolean } | { ok: false; response: Response };

async function resolveWorkspace(db: Db, claims: Claims | null, url: URL): Promise<Resolved> {
	if (!claims) return { ok: false, response: problem(401, 'unauthorized', 'Sign in first: this API uses your session cookie.') };
	const slug = url.searchParams.get('workspace')?.trim() ?? '';
	if (!slug) return { ok: false, response: problem(400, 'invalid_parameter', "workspace is required: the workspace's slug, as in /w/<slug>", 'workspace') };
	const found = SLUG.test(slug) ? await db.asUser(claims, (tx) => loadWorkspace(tx, slug)) : null;
	if (!found) return { ok: false, response: problem(404, 'not_found', 'No such workspace, or you are not a member of it.') };
	return { ok: true, organizationId: found.organization.id, defaultCountry: found.organization.defaultCountry, showNumbers: found.can.operate };
}

export async function deliveryLogList(db: Db, claims: Claims | null, url: URL): Promise<Response> {
	const ws = await resolveWorkspace(db, claims, url);
	if (!ws.ok) return ws.response;
	let filters;
	try {
		filters = parseDeliveryLogFilters(url.searchParams, { timeZone: 'UTC', defaultCountry: ws.defaultCountry });
	} catch (e) {
		if (e instanceof MessageFilterError) return problem(400, 'invalid_parameter', e.message, e.param);
		throw e;
	}
	const { rows, total } = await db.asUser(claims!, async (tx) => ({
		rows: await listDeliveryEvents(tx, ws.organizationId, filters, { showNumbers: ws.showNumbers }),
		total: await countDeliveryEvents(tx, ws.organizationId, filters)
	}));
	return json(
		{
			data: rows.map((r) => ({
				id: r.id,
				messageId: r.messageId,
				providerRef: r.providerRef,
				provider: r.provider,
				status: r.status,
				rawStatus: r.rawStatus,
				receivedAt: r.receivedAt,
				ip: r.ip,
				recipient: { id: r.recipient.id || null, name: r.recipient.name, phone: r.recipient.phone }
			})),
			pagination: { page: filters.page, limit: filters.limit, total, totalPages: Math.ceil(total / filters.limit) }
		},
		{ headers: NO_STORE }
	);
}

export async function deliveryLogMessage(db: Db, claims: Claims | null, url: URL, messageId: string): Promise<Response> {
	const ws = await resolveWorkspace(db, claims, url);
	if (!ws.ok) return ws.response;
	if (!UUID.test(messageId)) return problem(400, 'invalid_parameter', 'messageId is not a message id (a UUID)', 'messageId');
	const found = await db.asUser(claims!, (tx) => deliveryAttempt(tx, ws.organizationId, messageId, { showNumbers: ws.showNumbers }));
	if (!found) return problem(404, 'not_found', 'No such text in this workspace.');
	return json(found, { headers: NO_STORE });
}
