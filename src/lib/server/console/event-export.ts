import { csvStream, csvText, csvTime } from './csv-stream.ts';
import type { DeliveryLogFilters } from './delivery-log-filters.ts';
import { NO_MESSAGE_FILTERS } from './delivery-log.ts';
import { recipientCells, recipientColumns } from './message-export.ts';
import { listFilter, resolveSearch } from './messages.ts';
import { maskPayload, openPayload, phoneCipher, type Claims, type Db } from '@sms/db';

/** A payload's text with its sealed number fields opened or hidden (parsed only when it has one). */
function shownPayloadText(text: string | null, showNumbers: boolean): string | null {
	if (text === null || !text.includes('"p1.')) return text;
	const payload: unknown = JSON.parse(text);
	return JSON.stringify(showNumbers ? openPayload(phoneCipher(), payload) : maskPayload(payload));
}

export const EVENT_CSV_HEADER = [
	'id', 'received_at', 'message_id', 'recipient', 'recipient_type', 'recipient_id', 'phone', 'provider', 'provider_reference',
	'status', 'raw_status', 'source', 'error_code', 'error_message', 'ip', 'applied', 'payload'
] as const;

/** The delivery log's event filters as public.console_export_where takes them. */
function eventFilter(f: DeliveryLogFilters): Record<string, string> {
	const out: Record<string, string> = {};
	if (f.status) out.status = f.status;
	if (f.provider) out.provider = f.provider;
	if (f.from) out.from = f.from.toISOString();
	if (f.to) out.to = f.to.toISOString();
	if (f.providerRef) out.provider_ref = f.providerRef;
	if (f.recipientId) out.recipient = f.recipientId;
	return out;
}

/**
 * The delivery log's filtered view (every page, same order) as a streamed CSV. Numbers (the
 * recipient's, the payloads' sealed fields) opened only with `showNumbers`, else hidden.
 */
export function eventsCsv(o: {
	db: Db;
	claims: Claims;
	organizationId: string;
	filters: DeliveryLogFilters;
	timeZone: string;
	showNumbers?: boolean;
	onChunk?: (bytes: number) => void;
}): ReadableStream<Uint8Array> {
	const showNumbers = o.showNumbers === true;
	return csvStream({
		...o,
		header: EVENT_CSV_HEADER,
		cells: (lookup) => ({
			...recipientCells({ organizationId: o.organizationId, showNumbers }, lookup),
			// A payload with sealed fields, as the hex of its text.
			j: { open: (hex) => hex.map((h) => shownPayloadText(Buffer.from(h, 'hex').toString('utf8'), showNumbers)) }
		}),
		select: async (tx, cells) => {
			const messages = { ...NO_MESSAGE_FILTERS, q: o.filters.q };
			const ids = await resolveSearch(tx, o.organizationId, messages);
			const [{ where }] = await tx<{ where: string }[]>`
				select public.console_export_where(${o.organizationId}::uuid, ${listFilter(messages, ids) as never}::jsonb,
					${eventFilter(o.filters) as never}::jsonb) as where`;
			const cell = (kind: string, data: string) => cells.sql(kind, data);
			return `
				select e.id, ${csvTime('e.received_at')}, e.message_id, ${recipientColumns(cell, showNumbers)},
					${csvText('coalesce(e.provider, m.provider)')}, ${csvText('coalesce(e.provider_reference, m.provider_reference)')},
					${csvText('e.status')}, ${csvText('e.raw_status')}, ${csvText('e.source')}, e.error_code, ${csvText('e.error_message')},
					${csvText('host(e.sender_ip)')}, e.applied,
					case when strpos(p.text, '"p1.') > 0 then ${cell('j', `encode(convert_to(p.text, 'UTF8'), 'hex')`)} else ${csvText('p.text')} end
				from public.sms_delivery_events e
				join public.sms_messages m on m.id = e.message_id
				left join public.contacts ct on ct.id = m.contact_id
				-- The payload's text once per row (offset 0: not folded into each use).
				cross join lateral (select e.payload::text as text offset 0) p
				where ${where}
				order by e.received_at desc, e.id desc`;
		}
	});
}
