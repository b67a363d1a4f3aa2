import type { Claims, Db } from '@sms/db';
import { explainError } from '@sms/twilio-service';
import { csvStream, csvText, csvTime, type Lookup } from './csv-stream.ts';
import type { CellKinds } from './csv-cells.ts';
import { userNames } from './delivery-log.ts';
import type { MessageFilters } from './message-filters.ts';
import { listFilter, resolveSearch } from './messages.ts';
import { shownPhones } from '../phones/memo.ts';

export const MESSAGE_CSV_HEADER = [
	'id', 'created_at', 'recipient', 'recipient_type', 'recipient_id', 'phone', 'type', 'campaign_id', 'provider',
	'provider_reference', 'verdict', 'status', 'error_code', 'error', 'segments', 'price', 'price_unit',
	'sent_at', 'delivered_at', 'failed_at', 'retry_of', 'body'
] as const;

/**
 * The cells of both exports that only Node makes: `p` a number (SQL gives `sealed~last4`, the
 * sealed part only when numbers are shown: shownPhones, the one rule), `u` a user's e-mail (by
 * id, looked up as the member), `e` an error code's title from the catalogue.
 */
export function recipientCells(o: { organizationId: string; showNumbers: boolean }, lookup: Lookup): CellKinds {
	const phone = shownPhones(o.showNumbers);
	return {
		p: {
			open: (data) =>
				data.map((d) => {
					const cut = d.lastIndexOf('~');
					return phone(d.slice(0, Math.max(cut, 0)) || null, d.slice(cut + 1) || null);
				})
		},
		u: {
			open: async (ids) => {
				const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/.test(id));
				const emails = uuids.length > 0 ? await lookup((tx) => userNames(tx, o.organizationId, uuids)) : new Map<string, string>();
				return ids.map((id) => emails.get(id) ?? null);
			}
		},
		e: { open: (codes) => codes.map((c) => (/^-?\d+$/.test(c) ? explainError(Number(c)).title : null)) }
	};
}

/**
 * The SQL of the recipient's cells (recipient, recipient_type, recipient_id, phone) for a text
 * `m` and its contact `ct`; `cell` makes Node's placeholders.
 */
export function recipientColumns(cell: (kind: string, data: string) => string, showNumbers: boolean): string {
	const sealed = showNumbers ? `coalesce(m.phone_enc, '') || ` : '';
	return `case when m.contact_id is not null then ${csvText('ct.name')} when m.user_id is not null then ${cell('u', 'm.user_id::text')} end,
		case when m.contact_id is not null then 'contact' else 'user' end, coalesce(m.contact_id, m.user_id),
		${cell('p', `${sealed}'~' || coalesce(m.phone_last4, '')`)}`;
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
	onChunk?: (bytes: number) => void;
}): ReadableStream<Uint8Array> {
	const f: MessageFilters = { ...o.filters, cursor: null };
	const showNumbers = o.showNumbers === true;
	return csvStream({
		...o,
		header: MESSAGE_CSV_HEADER,
		cells: (lookup) => recipientCells({ organizationId: o.organizationId, showNumbers }, lookup),
		select: async (tx, cells) => {
			const ids = await resolveSearch(tx, o.organizationId, f);
			const [{ where }] = await tx<{ where: string }[]>`
				select public.console_export_where(${o.organizationId}::uuid, ${listFilter(f, ids) as never}::jsonb, null) as where`;
			const cell = (kind: string, data: string) => cells.sql(kind, data);
			return `
				select m.id, ${csvTime('m.created_at')}, ${recipientColumns(cell, showNumbers)},
					${csvText('m.notification_type')}, m.campaign_id, ${csvText('m.provider')}, ${csvText('m.provider_reference')},
					public.sms_verdict_kind(m.status, m.scheduled_for, now()), ${csvText('m.status')}, m.error_code,
					case when m.error_code is not null then ${cell('e', 'm.error_code::text')} end, m.segments,
					public.console_csv_text(m.price), ${csvText('m.price_unit')}, ${csvTime('m.sent_at')}, ${csvTime('m.delivered_at')},
					${csvTime('m.failed_at')}, m.retry_of, ${csvText('m.message_content')}
				from public.sms_messages m
				left join public.contacts ct on ct.id = m.contact_id
				where ${where}
				order by m.created_at desc, m.id desc`;
		}
	});
}
