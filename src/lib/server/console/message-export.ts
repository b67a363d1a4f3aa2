import type { Claims, Db } from '@sms/db';
import { explainError } from '@sms/twilio-service';
import { csvStream, isoTime, pgTime, type Cell } from './csv-stream.ts';
import { userNames } from './delivery-log.ts';
import type { MessageFilters } from './message-filters.ts';
import { messageWhere } from './messages.ts';
import { shownPhones } from '../phones/memo.ts';

export const MESSAGE_CSV_HEADER = [
	'id', 'created_at', 'recipient', 'recipient_type', 'recipient_id', 'phone', 'type', 'campaign_id', 'provider',
	'provider_reference', 'verdict', 'status', 'error_code', 'error', 'segments', 'price', 'price_unit',
	'sent_at', 'delivered_at', 'failed_at', 'retry_of', 'body'
] as const;

/** The select's columns, in its order. */
type Raw = readonly [
	id: string, created_at: string, user_id: string | null, contact_id: string | null, contact_name: string | null,
	phone_enc: string | null, phone_last4: string | null, notification_type: string, campaign_id: string | null, provider: string | null,
	provider_reference: string | null, verdict: string, status: string, error_code: number | null, segments: number | null,
	price: string | null, price_unit: string | null, sent_at: string | null, delivered_at: string | null, failed_at: string | null,
	retry_of: string | null, message_content: string
];

const titles = new Map<number, string>();
/** The catalogue's title of a code, looked up once per export process, not once per row. */
function errorTitle(code: number): string {
	let title = titles.get(code);
	if (title === undefined) titles.set(code, (title = explainError(code).title));
	return title;
}

/**
 * The message list's filtered view (every page of it, same order) as a streamed CSV. Numbers in
 * full only with `showNumbers` (members allowed to see them), else the last four digits.
 */
export function messagesCsv(o: {
	db: Db;
	claims: Claims;
	organizationId: string;
	filters: MessageFilters;
	timeZone: string;
	showNumbers?: boolean;
	batchSize?: number;
	onBatch?: (n: number) => void;
}): ReadableStream<Uint8Array> {
	const f: MessageFilters = { ...o.filters, cursor: null };
	const phone = shownPhones(o.showNumbers === true);
	return csvStream<Raw>({
		...o,
		header: MESSAGE_CSV_HEADER,
		select: async (tx) => {
			const { where } = await messageWhere(tx, o.organizationId, f);
			const query = tx`
				select m.id, ${tx.unsafe(pgTime('m.created_at'))} as created_at, m.user_id, m.contact_id, ct.name as contact_name,
					m.phone_enc, m.phone_last4, m.notification_type, m.campaign_id,
					m.provider, m.provider_reference,
					public.sms_verdict_kind(m.status, m.scheduled_for, now()) as verdict, m.status, m.error_code, m.segments,
					m.price::text as price, m.price_unit, ${tx.unsafe(pgTime('m.sent_at'))} as sent_at,
					${tx.unsafe(pgTime('m.delivered_at'))} as delivered_at, ${tx.unsafe(pgTime('m.failed_at'))} as failed_at,
					m.retry_of, m.message_content
				from public.sms_messages m
				left join public.contacts ct on ct.id = m.contact_id
				where ${where}
				order by m.created_at desc, m.id desc`;
			return { query };
		},
		records: async (lookup, rows) => {
			const ids = rows.flatMap((r) => (r[2] ? [r[2]] : []));
			const emails = ids.length > 0 ? await lookup((tx) => userNames(tx, o.organizationId, ids)) : new Map<string, string>();
			return rows.map(([id, createdAt, userId, contactId, contactName, phoneEnc, last4, type, campaignId, provider, reference, verdict, status, errorCode,
				segments, price, priceUnit, sentAt, deliveredAt, failedAt, retryOf, body]): Cell[] => [
				id, isoTime(createdAt), contactId ? contactName : (emails.get(userId ?? '') ?? null), contactId ? 'contact' : 'user',
				contactId ?? userId, phone(phoneEnc, last4), type, campaignId, provider, reference, verdict, status, errorCode,
				errorCode !== null ? errorTitle(errorCode) : null, segments, price, priceUnit, isoTime(sentAt), isoTime(deliveredAt), isoTime(failedAt), retryOf, body
			]);
		}
	});
}
