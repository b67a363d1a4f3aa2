import type { TransactionSql } from '@sms/db';
import type { ListMessagesQuery, Message, MessageList } from '$lib/api/v1/schemas/messages';
import { problem, validationProblem } from '$lib/api/v1/problems';
import { ApiProblem } from '../respond.ts';
import { phoneCipher } from '@sms/db';
import { openedPhone } from '../phones.ts';

interface Row {
	id: string;
	status: Message['status'];
	status_reason: string | null;
	user_id: string | null;
	contact_id: string | null;
	external_id: string | null;
	/** The number sealed (null once its contact was forgotten), opened on the way out. */
	phone_enc: string | null;
	phone_last4: string | null;
	notification_type: string;
	priority: Message['priority'];
	message_content: string;
	template_key: string | null;
	metadata: Record<string, unknown> | null;
	scheduled_for: Date | null;
	segments: number | null;
	price: string | null;
	price_unit: string | null;
	error_code: number | null;
	error_message: string | null;
	created_at: Date;
	sent_at: Date | null;
	delivered_at: Date | null;
	failed_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function verdict(status: Message['status']): Message['verdict'] {
	if (status === 'delivered') return 'delivered';
	if (status === 'failed' || status === 'undelivered') return 'failed';
	if (status === 'suppressed' || status === 'canceled') return 'not_sent';
	return 'pending';
}

export function toMessage(r: Row): Message {
	return {
		id: r.id,
		status: r.status,
		verdict: verdict(r.status),
		statusReason: r.status_reason,
		to: { userId: r.user_id, contactId: r.contact_id, externalId: r.external_id, phone: openedPhone(r.phone_enc, r.phone_last4) },
		type: r.notification_type,
		priority: r.priority,
		body: r.message_content,
		template: r.template_key,
		metadata: r.metadata ?? {},
		sendAt: iso(r.scheduled_for),
		segments: r.segments,
		price: r.price === null ? null : String(r.price),
		priceUnit: r.price_unit,
		errorCode: r.error_code,
		errorMessage: r.error_message,
		createdAt: r.created_at.toISOString(),
		sentAt: iso(r.sent_at),
		deliveredAt: iso(r.delivered_at),
		failedAt: iso(r.failed_at)
	};
}

/** The columns every read selects (`m` messages, `c` contacts, `md` metadata). */
const COLUMNS = (tx: TransactionSql) => tx`
	m.id, m.status, m.status_reason, m.user_id, m.contact_id, c.external_id, m.phone_enc, m.phone_last4,
	m.notification_type, m.priority, m.message_content, m.template_key, md.metadata,
	m.scheduled_for, m.segments, m.price, m.price_unit, m.error_code, m.error_message,
	m.created_at, m.sent_at, m.delivered_at, m.failed_at`;

export async function getMessage(tx: TransactionSql, organizationId: string, id: string): Promise<Message> {
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
		throw new ApiProblem(problem('not_found', `There is no text ${id} in this workspace.`));
	}
	const [row] = await tx<Row[]>`
		select ${COLUMNS(tx)}
		from public.sms_messages m
		left join public.contacts c on c.id = m.contact_id
		left join public.api_message_metadata md on md.message_id = m.id
		where m.id = ${id} and m.organization_id = ${organizationId} and m.direction = 'outbound'`;
	if (!row) throw new ApiProblem(problem('not_found', `There is no text ${id} in this workspace.`));
	const events = await tx<{ status: string | null; raw_status: string | null; received_at: Date; source: string; error_code: number | null }[]>`
		select status, raw_status, received_at, source, error_code from public.sms_delivery_events
		where message_id = ${id} order by received_at, id`;
	return {
		...toMessage(row),
		events: events.map((e) => ({ status: e.status ?? e.raw_status ?? 'unknown', at: e.received_at.toISOString(), source: e.source, errorCode: e.error_code }))
	};
}

/** Keyset cursor over (created_at desc, id desc); the time to the microsecond, as Postgres keeps it. */
export function encodeCursor(createdAt: string, id: string): string {
	return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
	const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
	if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/i.test(id)) {
		throw new ApiProblem(validationProblem([{ field: 'cursor', message: 'is not a cursor from nextCursor', code: 'invalid_cursor' }]));
	}
	return { createdAt, id };
}

export async function listMessages(
	tx: TransactionSql,
	organizationId: string,
	q: ListMessagesQuery,
	metadata: Record<string, string>
): Promise<MessageList> {
	const after = q.cursor ? decodeCursor(q.cursor) : null;
	const conds = [tx`m.organization_id = ${organizationId}`, tx`m.direction = 'outbound'`];
	// ::text first: a timestamptz parameter would go through a JS Date and lose its microseconds.
	if (after) conds.push(tx`(m.created_at, m.id) < (${after.createdAt}::text::timestamptz, ${after.id}::uuid)`);
	if (q.status) conds.push(tx`m.status = ${q.status}`);
	if (q.type) conds.push(tx`m.notification_type = ${q.type}`);
	if (q.userId) conds.push(tx`m.user_id = ${q.userId}`);
	if (q.contactId) conds.push(tx`m.contact_id = ${q.contactId}`);
	if (q.externalId) conds.push(tx`c.external_id = ${q.externalId}`);
	// By the blind index (sms_messages_org_phone_idx), never the number.
	if (q.phone) conds.push(tx`m.phone_hash = ${phoneCipher().blindIndex(q.phone)}`);
	if (q.createdAfter) conds.push(tx`m.created_at >= ${q.createdAfter}::timestamptz`);
	if (q.createdBefore) conds.push(tx`m.created_at < ${q.createdBefore}::timestamptz`);
	// Compared as text, so metadata[taskId]=42 finds both 42 and "42".
	for (const [k, v] of Object.entries(metadata)) conds.push(tx`md.metadata ->> ${k} = ${v}`);
	const where = conds.reduce((acc, c) => tx`${acc} and ${c}`);
	const rows = await tx<(Row & { cursor_at: string })[]>`
		select ${COLUMNS(tx)}, to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
		from public.sms_messages m
		left join public.contacts c on c.id = m.contact_id
		left join public.api_message_metadata md on md.message_id = m.id
		where ${where}
		order by m.created_at desc, m.id desc
		limit ${q.limit + 1}`;
	const page = rows.slice(0, q.limit);
	const last = page.at(-1);
	return { data: page.map(toMessage), nextCursor: rows.length > q.limit && last ? encodeCursor(last.cursor_at, last.id) : null };
}
