import type { TransactionSql } from '@sms/db';
import type { VerdictKind } from '@sms/twilio-service';
import { shownPhone } from '../phones/view.ts';

/** Keyset position: the last row of the previous page. created_at is kept as text to keep microseconds. */
export interface HistoryCursor {
	createdAt: string;
	id: string;
}

export interface HistoryQuery {
	/** Whose texts; omit for every user's (admins — RLS still decides what is visible). */
	userId?: string | null;
	before?: HistoryCursor | null;
	/** Page size, 1..200. */
	limit: number;
	verdict?: VerdictKind | null;
	/** sms_notification_types.key */
	type?: string | null;
}

export interface HistoryRow {
	id: string;
	user_id: string;
	/** Opened from phone_enc (the reader's own texts, or an admin's view, as before the sealing). */
	phone_number: string;
	message_content: string;
	notification_type: string;
	type_label: string | null;
	status: string;
	provider_status: string | null;
	status_reason: string | null;
	error_code: number | null;
	error_message: string | null;
	scheduled_for: Date | null;
	sent_at: Date | null;
	delivered_at: Date | null;
	failed_at: Date | null;
	created_at: Date;
	/** created_at as exact text (microseconds), for the next cursor. */
	created_at_key: string;
}

export interface HistoryResult {
	rows: HistoryRow[];
	/** Null on the last page. */
	nextCursor: HistoryCursor | null;
}

/**
 * One page of outbound texts, newest first, by keyset on (created_at, id) — served by the index
 * sms_messages (user_id, created_at desc, id desc) however deep the page.
 */
function selectRows(tx: TransactionSql) {
	return tx`
		select m.id, m.user_id, m.phone_enc, m.phone_last4, m.message_content, m.notification_type, t.label as type_label,
			m.status, m.provider_status, m.status_reason, m.error_code, m.error_message, m.scheduled_for,
			m.sent_at, m.delivered_at, m.failed_at, m.created_at,
			to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at_key
		from public.sms_messages m
		left join public.sms_notification_types t on t.key = m.notification_type`;
}

type SealedHistoryRow = Omit<HistoryRow, 'phone_number'> & { phone_enc: string | null; phone_last4: string | null };

/** The number opened in Node; the sealed columns are not passed on. */
function opened({ phone_enc, phone_last4, ...row }: SealedHistoryRow): HistoryRow {
	return { ...row, phone_number: shownPhone(phone_enc, phone_last4, true) };
}

export async function queryHistory(tx: TransactionSql, query: HistoryQuery): Promise<HistoryResult> {
	// The cursor goes in as ::text first: a parameter typed timestamptz would be serialised by
	// postgres.js through a JS Date, dropping microseconds and skipping rows that share a millisecond.
	const limit = Math.min(Math.max(Math.trunc(query.limit), 1), 200);
	const rows = await tx<SealedHistoryRow[]>`
		${selectRows(tx)}
		where m.direction = 'outbound'
			${query.userId ? tx`and m.user_id = ${query.userId}` : tx``}
			${query.before ? tx`and (m.created_at, m.id) < (${query.before.createdAt}::text::timestamptz, ${query.before.id}::uuid)` : tx``}
			${query.verdict ? tx`and public.sms_verdict_kind(m.status, m.scheduled_for, now()) = ${query.verdict}` : tx``}
			${query.type ? tx`and m.notification_type = ${query.type}` : tx``}
		order by m.created_at desc, m.id desc
		limit ${limit + 1}`;
	const more = rows.length > limit;
	const page = (more ? rows.slice(0, limit) : rows).map(opened);
	const last = page.at(-1);
	return { rows: page, nextCursor: more && last ? { createdAt: last.created_at_key, id: last.id } : null };
}

/** One outbound message by id (null when absent or not visible under RLS). */
export async function queryHistoryItem(tx: TransactionSql, id: string): Promise<HistoryRow | null> {
	if (!UUID.test(id)) return null;
	const rows = await tx<SealedHistoryRow[]>`${selectRows(tx)} where m.id = ${id}::uuid and m.direction = 'outbound'`;
	return rows[0] ? opened(rows[0]) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Opaque cursor for URLs: base64url("<created_at>|<id>"). */
export function encodeHistoryCursor(cursor: HistoryCursor): string {
	return Buffer.from(`${cursor.createdAt}|${cursor.id}`).toString('base64url');
}

/** Null for anything that is not a cursor we issued. */
export function decodeHistoryCursor(value: string | null | undefined): HistoryCursor | null {
	if (!value) return null;
	const [createdAt, id, extra] = Buffer.from(value, 'base64url').toString().split('|');
	if (extra !== undefined || !createdAt || !id || !TIMESTAMP.test(createdAt) || !UUID.test(id)) return null;
	return { createdAt, id };
}
