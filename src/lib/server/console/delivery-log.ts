import type { DeliveryLogFilters } from './delivery-log-filters.ts';
import { parseMessageFilters, type MessageFilters } from './message-filters.ts';
import { messageWhere } from './messages.ts';
import { maskPayload, openPayload, phoneCipher, type TransactionSql } from '@sms/db';
import { NUMBERS_HIDDEN, shownPhone } from '../phones/view.ts';

/** A raw provider payload: its sealed number fields opened, or shown as hidden. */
const shownPayload = (payload: unknown, showNumbers: boolean) => (showNumbers ? openPayload(phoneCipher(), payload) : maskPayload(payload));

export interface DeliveryEventRow {
	id: string;
	messageId: string;
	provider: string | null;
	providerRef: string | null;
	status: string | null;
	rawStatus: string | null;
	source: string;
	errorCode: number | null;
	receivedAt: string;
	ip: string | null;
	recipient: { kind: 'user' | 'contact'; id: string; name: string | null; phone: string };
	payload: unknown;
}

export interface DeliveryLogSummary {
	total: number;
	delivered: number;
	failed: number;
	/** Mean seconds from a message's first SENT event to its DELIVERED event; null without any. */
	avgDeliverySeconds: number | null;
}

export const NO_MESSAGE_FILTERS: MessageFilters = parseMessageFilters(new URLSearchParams(), { timeZone: 'UTC', defaultCountry: 'US' });

/**
 * The WHERE clause over events `e` joined to their message `m`: the message side is the
 * message list's own (workspace, outbound, the search box), the rest is the event's.
 */
export async function deliveryLogWhere(tx: TransactionSql, organizationId: string, f: DeliveryLogFilters) {
	const { where: messages } = await messageWhere(tx, organizationId, { ...NO_MESSAGE_FILTERS, q: f.q });
	const where = tx`
		e.organization_id = ${organizationId} and ${messages}
		${f.status ? tx`and e.status = ${f.status}` : tx``}
		${f.provider ? tx`and e.provider = ${f.provider}` : tx``}
		${f.from ? tx`and e.received_at >= ${f.from}` : tx``}
		${f.to ? tx`and e.received_at < ${f.to}` : tx``}
		${f.providerRef ? tx`and (e.provider_reference = ${f.providerRef} or m.provider_reference = ${f.providerRef})` : tx``}
		${f.recipientId ? tx`and (m.contact_id = ${f.recipientId}::uuid or m.user_id = ${f.recipientId}::uuid)` : tx``}`;
	return { where };
}

interface Raw {
	id: string;
	message_id: string;
	provider: string | null;
	provider_reference: string | null;
	status: string | null;
	raw_status: string | null;
	source: string;
	error_code: number | null;
	received_at: string;
	ip: string | null;
	user_id: string | null;
	contact_id: string | null;
	contact_name: string | null;
	phone_enc: string | null;
	phone_last4: string | null;
	payload: unknown;
}

/**
 * One page of events, newest first (received time, then id). `showNumbers`: numbers (the
 * recipient's, the payloads') opened for operators and up, else hidden.
 */
export async function listDeliveryEvents(
	tx: TransactionSql,
	organizationId: string,
	f: DeliveryLogFilters,
	options: { showNumbers: boolean } = NUMBERS_HIDDEN
): Promise<DeliveryEventRow[]> {
	const { where } = await deliveryLogWhere(tx, organizationId, f);
	const rows = await tx<Raw[]>`
		select e.id::text as id, e.message_id, coalesce(e.provider, m.provider) as provider,
			coalesce(e.provider_reference, m.provider_reference) as provider_reference,
			e.status, e.raw_status, e.source, e.error_code,
			to_char(e.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as received_at,
			host(e.sender_ip) as ip, m.user_id, m.contact_id, ct.name as contact_name, m.phone_enc, m.phone_last4, e.payload
		from public.sms_delivery_events e
		join public.sms_messages m on m.id = e.message_id
		left join public.contacts ct on ct.id = m.contact_id
		where ${where}
		order by e.received_at desc, e.id desc
		limit ${f.limit} offset ${(f.page - 1) * f.limit}`;
	const names = await userNames(tx, organizationId, rows.flatMap((r) => (r.user_id ? [r.user_id] : [])));
	return rows.map((r) => ({
		id: r.id,
		messageId: r.message_id,
		provider: r.provider,
		providerRef: r.provider_reference,
		status: r.status,
		rawStatus: r.raw_status,
		source: r.source,
		errorCode: r.error_code,
		receivedAt: r.received_at,
		ip: r.ip,
		recipient: r.contact_id
			? { kind: 'contact', id: r.contact_id, name: r.contact_name, phone: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers) }
			: { kind: 'user', id: r.user_id ?? '', name: names.get(r.user_id ?? '') ?? null, phone: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers) },
		payload: shownPayload(r.payload ?? null, options.showNumbers)
	}));
}

/** A user recipient is named by their e-mail (workspace_recipient_users: only users texted from here). */
export async function userNames(tx: TransactionSql, organizationId: string, ids: string[]): Promise<Map<string, string>> {
	const unique = [...new Set(ids)];
	if (unique.length === 0) return new Map();
	const users = await tx<{ user_id: string; email: string }[]>`
		select user_id, email from public.workspace_recipient_users(${organizationId}::uuid, ${unique}::uuid[])`;
	return new Map(users.map((u) => [u.user_id, u.email]));
}

/** The summary cards over every event the filters match (not just the page). */
export async function deliveryLogSummary(tx: TransactionSql, organizationId: string, f: DeliveryLogFilters): Promise<DeliveryLogSummary> {
	const { where } = await deliveryLogWhere(tx, organizationId, f);
	const [row] = await tx<{ total: number; delivered: number; failed: number; avg_seconds: number | null }[]>`
		select count(*)::int as total,
			count(*) filter (where public.sms_status_phase(e.status) = 'delivered')::int as delivered,
			count(*) filter (where public.sms_status_phase(e.status) = 'failed')::int as failed,
			avg(extract(epoch from e.received_at - (
				select min(s.received_at) from public.sms_delivery_events s
				where s.message_id = e.message_id and s.status = 'sent' and s.received_at <= e.received_at
			))) filter (where e.status = 'delivered')::float8 as avg_seconds
		from public.sms_delivery_events e
		join public.sms_messages m on m.id = e.message_id
		where ${where}`;
	return { total: row!.total, delivered: row!.delivered, failed: row!.failed, avgDeliverySeconds: row!.avg_seconds };
}

export interface MessageEvent {
	id: string;
	messageId: string;
	status: string | null;
	rawStatus: string | null;
	source: string;
	receivedAt: string;
	ip: string | null;
	payload: unknown;
}

/** Every event of these messages (of the workspace), oldest first, grouped by message. */
export async function eventsOfMessages(
	tx: TransactionSql,
	organizationId: string,
	messageIds: string[],
	options: { showNumbers: boolean } = NUMBERS_HIDDEN
): Promise<Map<string, MessageEvent[]>> {
	const byMessage = new Map<string, MessageEvent[]>();
	if (messageIds.length === 0) return byMessage;
	const rows = await tx<{ id: string; message_id: string; status: string | null; raw_status: string | null; source: string; received_at: string; ip: string | null; payload: unknown }[]>`
		select e.id::text as id, e.message_id, e.status, e.raw_status, e.source,
			to_char(e.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as received_at,
			host(e.sender_ip) as ip, e.payload
		from public.sms_delivery_events e
		where e.message_id = any(${[...new Set(messageIds)]}::uuid[]) and e.organization_id = ${organizationId}
		order by e.received_at, e.id`;
	for (const r of rows) {
		const list = byMessage.get(r.message_id) ?? [];
		list.push({ id: r.id, messageId: r.message_id, status: r.status, rawStatus: r.raw_status, source: r.source, receivedAt: r.received_at, ip: r.ip, payload: shownPayload(r.payload ?? null, options.showNumbers) });
		byMessage.set(r.message_id, list);
	}
	return byMessage;
}

/** How many events the filters match (the API's pagination total). */
export async function countDeliveryEvents(tx: TransactionSql, organizationId: string, f: DeliveryLogFilters): Promise<number> {
	const { where } = await deliveryLogWhere(tx, organizationId, f);
	const [row] = await tx<{ n: number }[]>`
		select count(*)::int as n from public.sms_delivery_events e join public.sms_messages m on m.id = e.message_id where ${where}`;
	return row!.n;
}
