import type { TransactionSql } from '@sms/db';
import { generateWebhookSecret, WEBHOOK_EVENT_TYPES } from '@sms/webhooks';
import { refusalsAsErrors } from './errors.ts';

export interface EndpointRow {
	id: string;
	url: string;
	description: string;
	events: string[];
	enabled: boolean;
	disabledReason: string | null;
	failingSince: string | null;
	createdAt: string;
	pending: number;
	failed: number;
	succeeded: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function listEndpoints(tx: TransactionSql, organizationId: string): Promise<EndpointRow[]> {
	const rows = await tx<
		{ id: string; url: string; description: string; events: string[]; enabled: boolean; disabled_reason: string | null; failing_since: Date | null; created_at: Date; pending: number; failed: number; succeeded: number }[]
	>`
		select e.id, e.url, e.description, e.events, e.enabled, e.disabled_reason, e.failing_since, e.created_at,
			(select count(*)::int from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'pending') as pending,
			(select count(*)::int from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'failed') as failed,
			(select count(*)::int from public.webhook_deliveries d where d.endpoint_id = e.id and d.status = 'succeeded') as succeeded
		from public.webhook_endpoints e
		where e.organization_id = ${organizationId}
		order by e.created_at desc`;
	return rows.map((r) => ({
		id: r.id,
		url: r.url,
		description: r.description,
		events: r.events,
		enabled: r.enabled,
		disabledReason: r.disabled_reason,
		failingSince: iso(r.failing_since),
		createdAt: r.created_at.toISOString(),
		pending: r.pending,
		failed: r.failed,
		succeeded: r.succeeded
	}));
}

/** The web server has checked the URL (SSRF policy) before this. Returns the secret to show. */
export async function createEndpoint(
	tx: TransactionSql,
	o: { organizationId: string; url: string; events: string[]; description: string }
): Promise<{ id: string; secret: string }> {
	const secret = generateWebhookSecret();
	const [row] = await refusalsAsErrors(() => tx<{ id: string }[]>`
		select public.create_webhook_endpoint(${o.organizationId}::uuid, ${o.url}, ${o.events}::text[], ${secret}, ${o.description}) as id`);
	return { id: row.id, secret };
}

export async function deleteEndpoint(tx: TransactionSql, endpointId: string): Promise<void> {
	await refusalsAsErrors(() => tx`select public.delete_webhook_endpoint(${endpointId}::uuid)`);
}

export async function resendDelivery(tx: TransactionSql, deliveryId: string): Promise<void> {
	await refusalsAsErrors(() => tx`select public.resend_webhook_delivery(${deliveryId}::uuid)`);
}

export interface AttemptRow {
	attempt: number;
	startedAt: string;
	ok: boolean;
	statusCode: number | null;
	latencyMs: number | null;
	excerpt: string | null;
	error: string | null;
}

export interface DeliveryRow {
	id: string;
	eventId: string;
	eventType: string;
	status: string;
	attempts: number;
	nextAttemptAt: string | null;
	createdAt: string;
	log: AttemptRow[];
}

export const DELIVERIES_PAGE = 50;

/** One endpoint's deliveries, newest first, a page at a time (`before`: a created_at cursor), each with its attempts. */
export async function endpointDeliveries(
	tx: TransactionSql,
	o: { organizationId: string; endpointId: string; status?: string; before?: string }
): Promise<{ endpoint: EndpointRow | null; deliveries: DeliveryRow[]; nextBefore: string | null }> {
	const endpoint = (await listEndpoints(tx, o.organizationId)).find((e) => e.id === o.endpointId) ?? null;
	if (!endpoint) return { endpoint: null, deliveries: [], nextBefore: null };
	const rows = await tx<
		{ id: string; event_id: string; event_type: string; status: string; attempts: number; next_attempt_at: Date | null; created_at: Date; cursor: string; log: AttemptRow[] | null }[]
	>`
		select d.id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.created_at,
			to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor,
			(select jsonb_agg(jsonb_build_object('attempt', a.attempt, 'startedAt', a.started_at, 'ok', a.ok,
				'statusCode', a.status_code, 'latencyMs', a.latency_ms, 'excerpt', a.response_excerpt, 'error', a.error) order by a.id desc)
			 from public.webhook_delivery_attempts a where a.delivery_id = d.id) as log
		from public.webhook_deliveries d
		where d.endpoint_id = ${o.endpointId}
			and (${o.status ?? null}::text is null or d.status = ${o.status ?? null})
			and (${o.before ?? null}::timestamptz is null or d.created_at < ${o.before ?? null}::timestamptz)
		order by d.created_at desc
		limit ${DELIVERIES_PAGE + 1}`;
	const page = rows.slice(0, DELIVERIES_PAGE);
	return {
		endpoint,
		deliveries: page.map((r) => ({
			id: r.id,
			eventId: r.event_id,
			eventType: r.event_type,
			status: r.status,
			attempts: r.attempts,
			nextAttemptAt: iso(r.next_attempt_at),
			createdAt: r.created_at.toISOString(),
			log: r.log ?? []
		})),
		nextBefore: rows.length > DELIVERIES_PAGE ? page[page.length - 1].cursor : null
	};
}

export { WEBHOOK_EVENT_TYPES };
