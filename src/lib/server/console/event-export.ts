import { csvStream, isoTime, pgTime, type Cell } from './csv-stream.ts';
import type { DeliveryLogFilters } from './delivery-log-filters.ts';
import { deliveryLogWhere, userNames } from './delivery-log.ts';
import { maskPayload, openPayload, phoneCipher, type Claims, type Db } from '@sms/db';
import { shownPhones } from '../phones/memo.ts';

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

/** The select's columns, in its order. */
type Raw = readonly [
	id: string, received_at: string, message_id: string, user_id: string | null, contact_id: string | null, contact_name: string | null,
	phone_enc: string | null, phone_last4: string | null, provider: string | null, provider_reference: string | null, status: string | null, raw_status: string | null,
	source: string, error_code: number | null, error_message: string | null, ip: string | null, applied: boolean, payload: string | null
];

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
	batchSize?: number;
	onBatch?: (n: number) => void;
}): ReadableStream<Uint8Array> {
	const show = o.showNumbers === true;
	const phone = shownPhones(show);
	return csvStream<Raw>({
		...o,
		header: EVENT_CSV_HEADER,
		select: async (tx) => {
			const { where } = await deliveryLogWhere(tx, o.organizationId, o.filters);
			const query = tx`
				select e.id::text as id, ${tx.unsafe(pgTime('e.received_at'))} as received_at, e.message_id, m.user_id, m.contact_id,
					ct.name as contact_name, m.phone_enc, m.phone_last4, coalesce(e.provider, m.provider) as provider,
					coalesce(e.provider_reference, m.provider_reference) as provider_reference, e.status, e.raw_status, e.source,
					e.error_code, e.error_message, host(e.sender_ip) as ip, e.applied, e.payload::text as payload
				from public.sms_delivery_events e
				join public.sms_messages m on m.id = e.message_id
				left join public.contacts ct on ct.id = m.contact_id
				where ${where}
				order by e.received_at desc, e.id desc`;
			return { query };
		},
		records: async (lookup, rows) => {
			const ids = rows.flatMap((r) => (r[3] ? [r[3]] : []));
			const emails = ids.length > 0 ? await lookup((tx) => userNames(tx, o.organizationId, ids)) : new Map<string, string>();
			return rows.map(([id, receivedAt, messageId, userId, contactId, contactName, phoneEnc, last4, provider, reference, status, rawStatus, source,
				errorCode, errorMessage, ip, applied, payload]): Cell[] => [
				id, isoTime(receivedAt), messageId, contactId ? contactName : (emails.get(userId ?? '') ?? null), contactId ? 'contact' : 'user',
				contactId ?? userId, phone(phoneEnc, last4), provider, reference, status, rawStatus, source, errorCode, errorMessage, ip,
				applied ? 'true' : 'false', shownPayloadText(payload, show)
			]);
		}
	});
}
