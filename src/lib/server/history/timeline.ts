import type { TransactionSql } from '@sms/db';

export interface EventRow {
	message_id: string;
	raw_status: string | null;
	status: string | null;
	error_code: number | null;
	error_message: string | null;
	source: string;
	received_at: Date;
}

/** Every delivery event of these messages, oldest first, grouped by message (RLS applies). */
export async function loadEvents(tx: TransactionSql, messageIds: string[]): Promise<Map<string, EventRow[]>> {
	const byMessage = new Map<string, EventRow[]>();
	if (messageIds.length === 0) return byMessage;
	const rows = await tx<EventRow[]>`
		select message_id, raw_status, status, error_code, error_message, source, received_at
		from public.sms_delivery_events
		where message_id = any(${messageIds}::uuid[])
		order by received_at, id`;
	for (const row of rows) {
		const list = byMessage.get(row.message_id) ?? [];
		list.push(row);
		byMessage.set(row.message_id, list);
	}
	return byMessage;
}
