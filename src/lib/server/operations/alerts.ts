import type { TransactionSql } from '@sms/db';
import { explainError } from '@sms/twilio-service';
import { z } from 'zod';

export const ALERT_PAGE_SIZE = 50;

export { ALERT_KINDS, ALERT_KIND_LABELS, type AlertKind } from '$lib/operations/alert-kinds';

export interface AlertSummary {
	id: string;
	kind: string;
	subject: string;
	severity: 'warning' | 'critical';
	status: 'open' | 'resolved';
	title: string;
	openedAt: string;
	lastTrueAt: string;
	resolvedAt: string | null;
}

export interface AlertDetail extends AlertSummary {
	details: Record<string, unknown>;
	events: { event: string; severity: string; createdAt: string }[];
	textsSent: number;
	/** The top error codes behind it, each with its explanation from the error catalogue. */
	codes: { code: number; texts: number; title: string; explanation: string; action: string }[];
}

type Row = {
	id: string;
	kind: string;
	subject: string;
	severity: 'warning' | 'critical';
	status: 'open' | 'resolved';
	title: string;
	opened_at: Date;
	last_true_at: Date;
	resolved_at: Date | null;
};

const summary = (r: Row): AlertSummary => ({
	id: r.id,
	kind: r.kind,
	subject: r.subject,
	severity: r.severity,
	status: r.status,
	title: r.title,
	openedAt: r.opened_at.toISOString(),
	lastTrueAt: r.last_true_at.toISOString(),
	resolvedAt: r.resolved_at?.toISOString() ?? null
});

export const alertFilterSchema = z.object({
	status: z.enum(['open', 'resolved', 'all']).default('all'),
	before: z.iso.datetime({ offset: true }).optional()
});
export type AlertFilter = z.infer<typeof alertFilterSchema>;

export function parseAlertFilter(params: URLSearchParams): AlertFilter {
	const parsed = alertFilterSchema.safeParse(Object.fromEntries(params));
	return parsed.success ? parsed.data : { status: 'all' };
}

/** Newest first, keyset-paged on opened_at; RLS keeps it to the caller's workspace. */
export async function listAlerts(
	tx: TransactionSql,
	organizationId: string,
	filter: AlertFilter
): Promise<{ rows: AlertSummary[]; older: string | null }> {
	const rows = await tx<Row[]>`
		select id, kind, subject, severity, status, title, opened_at, last_true_at, resolved_at
		from public.alerts
		where organization_id = ${organizationId}
		  and (${filter.status} = 'all' or status = ${filter.status})
		  and (${filter.before ?? null}::timestamptz is null or opened_at < ${filter.before ?? null}::timestamptz)
		order by opened_at desc, id
		limit ${ALERT_PAGE_SIZE + 1}`;
	const page = rows.slice(0, ALERT_PAGE_SIZE).map(summary);
	return { rows: page, older: rows.length > ALERT_PAGE_SIZE ? page[page.length - 1]!.openedAt : null };
}

export async function openAlerts(tx: TransactionSql, organizationId: string): Promise<AlertSummary[]> {
	const rows = await tx<Row[]>`
		select id, kind, subject, severity, status, title, opened_at, last_true_at, resolved_at
		from public.alerts where organization_id = ${organizationId} and status = 'open'
		order by case severity when 'critical' then 0 else 1 end, opened_at desc
		limit 20`;
	return rows.map(summary);
}

function codesOf(kind: string, details: Record<string, unknown>): { code: number; texts: number }[] {
	if (kind === 'error_code_spike') return [{ code: Number(details.code), texts: Number(details.texts) }];
	const top = details.topCodes;
	if (!Array.isArray(top)) return [];
	return top
		.filter((c): c is { code: number; texts: number } => typeof c === 'object' && c !== null && typeof (c as { code: unknown }).code === 'number')
		.map((c) => ({ code: c.code, texts: Number(c.texts) }));
}

export async function getAlert(tx: TransactionSql, organizationId: string, id: string): Promise<AlertDetail | null> {
	if (!z.uuid().safeParse(id).success) return null;
	const [row] = await tx<(Row & { details: Record<string, unknown> })[]>`
		select id, kind, subject, severity, status, title, opened_at, last_true_at, resolved_at, details
		from public.alerts where organization_id = ${organizationId} and id = ${id}`;
	if (!row) return null;
	const events = await tx<{ event: string; severity: string; created_at: Date }[]>`
		select event, severity, created_at from public.alert_events where alert_id = ${id} order by id`;
	const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from public.alert_notifications where alert_id = ${id}`;
	return {
		...summary(row),
		details: row.details,
		events: events.map((e) => ({ event: e.event, severity: e.severity, createdAt: e.created_at.toISOString() })),
		textsSent: n,
		codes: codesOf(row.kind, row.details).map((c) => {
			const e = explainError(c.code);
			return { ...c, title: e.title, explanation: e.explanation, action: e.action };
		})
	};
}

/** The message list filtered to what the alert is about, over the time it covers. */
export function alertMessagesLink(slug: string, alert: AlertDetail, code?: number): string | null {
	const params = new URLSearchParams();
	const windowMinutes = Number(alert.details.windowMinutes ?? 15);
	const from = new Date(Date.parse(alert.openedAt) - windowMinutes * 60_000);
	params.set('from', from.toISOString());
	if (alert.resolvedAt) params.set('to', alert.resolvedAt);
	if (['failure_rate', 'error_code_spike'].includes(alert.kind)) params.set('verdict', 'failed');
	else if (alert.kind === 'callbacks_silent') params.set('provider', alert.subject);
	else if (alert.kind === 'queue_stalled') params.set('verdict', 'in_progress');
	else return null;
	const c = code ?? (alert.kind === 'error_code_spike' ? Number(alert.subject) : undefined);
	if (c !== undefined && Number.isInteger(c)) params.set('error', String(c));
	return `/w/${slug}/messages?${params}`;
}
