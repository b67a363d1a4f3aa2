import type { TransactionSql } from '@sms/db';
import { verdictFor, type VerdictKind } from '@sms/twilio-service';
import type { HistoryCursor } from '../sms/history-query.ts';
import { MESSAGE_STATUSES, VERDICT_FILTERS, type MessageFilters, type VerdictFilter } from './message-filters.ts';
import { NUMBERS_HIDDEN, shownPhone } from '../phones/view.ts';

/** Counting stops here; beyond it the planner's estimate is shown, labelled as one. */
export const EXACT_COUNT_LIMIT = 1_000;

export interface MessageRow {
	id: string;
	createdAt: string;
	cursor: HistoryCursor;
	recipient: { kind: 'user' | 'contact'; id: string; name: string | null; email: string | null; phone: string };
	type: string;
	campaignId: string | null;
	provider: string | null;
	status: string;
	verdict: VerdictKind;
	errorCode: number | null;
	errorMessage: string | null;
	segments: number | null;
	price: string | null;
	priceUnit: string | null;
	retryOf: string | null;
}

export interface MessageTotal {
	value: number;
	exact: boolean;
}

export interface MessagePage {
	rows: MessageRow[];
	next: HistoryCursor | null;
	total: MessageTotal;
}

/**
 * For each verdict filter, the statuses a text with it can have, scheduled in the future or not
 * (the TypeScript verdict rules, held equal to SQL's sms_verdict_kind by status-parity.test.ts).
 */
const VERDICT_STATUSES = Object.fromEntries(
	VERDICT_FILTERS.map((v) => [
		v,
		MESSAGE_STATUSES.filter((status) =>
			[new Date(8.64e15), null].some((scheduledFor) => {
				const kind = verdictFor({ status, scheduledFor }).kind;
				return v === 'pending' ? kind === 'scheduled' || kind === 'in_progress' : kind === v;
			})
		)
	])
) as Record<VerdictFilter, string[]>;

/** The recipients a name / e-mail / external id found (null: the search is not by words). */
export interface SearchIds {
	contactIds: string[];
	userIds: string[];
}

/**
 * The texts of the recipients a name / e-mail / external id found. Only the lists that have
 * ids are named, so the planner walks one recipient index rather than OR-ing two.
 */
function searchIds(tx: TransactionSql, { contactIds, userIds }: SearchIds) {
	if (contactIds.length > 0 && userIds.length > 0) return tx`and (m.contact_id = any(${contactIds}::uuid[]) or m.user_id = any(${userIds}::uuid[]))`;
	if (contactIds.length > 0) return tx`and m.contact_id = any(${contactIds}::uuid[])`;
	if (userIds.length > 0) return tx`and m.user_id = any(${userIds}::uuid[])`;
	return tx`and false`;
}

/** The recipients the search box's words find (contacts by name / external id / e-mail, users by e-mail). */
export async function resolveSearch(tx: TransactionSql, organizationId: string, f: MessageFilters): Promise<SearchIds | null> {
	const words = f.q?.words;
	if (!words) return null;
	const [contacts, users] = await Promise.all([
		// The membership checked once, then the name's trigram index (through RLS ilike cannot use it).
		tx<{ id: string }[]>`select id from public.console_search_contacts(${organizationId}::uuid, ${words}, 500)`,
		words.includes('@')
			? tx<{ user_id: string }[]>`select user_id from public.workspace_recipient_users(${organizationId}::uuid, null, ${words})`
			: Promise.resolve([])
	]);
	return { contactIds: contacts.map((c) => c.id), userIds: users.map((u) => u.user_id) };
}

/** The verdict filter's statuses, when a text with that verdict can have more than one. */
function verdictStatuses(f: MessageFilters): string[] | null {
	return f.verdict ? VERDICT_STATUSES[f.verdict] : null;
}

/**
 * The WHERE clause for a workspace's outbound texts and the filters (no cursor). Wrapped in an
 * object: a fragment is a thenable, and returning it bare from an async function would run it.
 * `ids`: the search's recipients when the caller resolved them already. (The list page and its
 * total use public.console_message_ids / console_count_messages, the same filters in SQL;
 * exports, the delivery log and retries use this through RLS.)
 */
export async function messageWhere(
	tx: TransactionSql,
	organizationId: string,
	f: MessageFilters,
	o: { ids?: SearchIds | null } = {}
) {
	const ids = o.ids !== undefined ? o.ids : await resolveSearch(tx, organizationId, f);
	const q = f.q;
	const statuses = tx`and m.status = any(${verdictStatuses(f)}::text[])`;
	const where = tx`
		m.organization_id = ${organizationId} and m.direction = 'outbound'
		${f.recipient ? (f.recipient.kind === 'contact' ? tx`and m.contact_id = ${f.recipient.id}::uuid` : tx`and m.user_id = ${f.recipient.id}::uuid`) : tx``}
		${
			// The statuses the verdict can have, as a literal list, let the planner use the status
			// index and its statistics; the SQL rule then decides.
			f.verdict === 'pending'
				? tx`${statuses} and not public.sms_status_is_final(m.status)`
				: f.verdict
					? tx`${statuses} and public.sms_verdict_kind(m.status, m.scheduled_for, now()) = ${f.verdict}`
					: tx``
		}
		${f.status ? tx`and m.status = ${f.status}` : tx``}
		${f.type ? tx`and m.notification_type = ${f.type}` : tx``}
		${
			// The provider column is set whenever a Twilio SID is (internal.mirror_twilio_sid).
			f.provider ? tx`and m.provider = ${f.provider}` : tx``
		}
		${f.campaign ? tx`and m.campaign_id = ${f.campaign}::uuid` : tx``}
		${f.error !== null ? tx`and m.error_code = ${f.error}` : tx``}
		${f.country ? tx`and m.calling_code = ${f.country}` : tx``}
		${f.from ? tx`and m.created_at >= ${f.from}` : tx``}
		${f.to ? tx`and m.created_at < ${f.to}` : tx``}
		${
			q === null
				? tx``
				: q.words !== null
					? searchIds(tx, ids ?? { contactIds: [], userIds: [] })
					: q.hash !== null
						? tx`and m.phone_hash = ${q.hash}`
						: tx`and m.phone_last4 = ${q.last4}`
		}`;
	return { where };
}

/**
 * The filters as public.console_count_messages / console_message_ids take them
 * (internal.console_message_where, migration 20261204140000, lists the keys).
 */
export function listFilter(f: MessageFilters, ids: SearchIds | null): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	if (f.recipient) out[f.recipient.kind] = f.recipient.id;
	const statuses = verdictStatuses(f);
	if (statuses) out.statuses = statuses;
	if (f.verdict) out.verdict = f.verdict;
	if (f.status) out.status = f.status;
	if (f.type) out.type = f.type;
	if (f.provider) out.provider = f.provider;
	if (f.campaign) out.campaign = f.campaign;
	if (f.error !== null) out.error = f.error;
	if (f.country) out.country = f.country;
	if (f.from) out.from = f.from.toISOString();
	if (f.to) out.to = f.to.toISOString();
	if (f.q?.words != null) {
		out.contact_ids = ids?.contactIds ?? [];
		out.user_ids = ids?.userIds ?? [];
	} else if (f.q?.hash) out.phone_hash = f.q.hash;
	else if (f.q?.last4) out.last4 = f.q.last4;
	return out;
}

interface Raw {
	id: string;
	created_at: string;
	user_id: string | null;
	contact_id: string | null;
	contact_name: string | null;
	phone_enc: string | null;
	phone_last4: string | null;
	notification_type: string;
	campaign_id: string | null;
	provider: string | null;
	status: string;
	verdict: VerdictKind;
	error_code: number | null;
	error_message: string | null;
	segments: number | null;
	price: string | null;
	price_unit: string | null;
	retry_of: string | null;
}

/** One page, newest first, keyset-paginated, with the total (exact up to EXACT_COUNT_LIMIT). */
/** `showNumbers`: full numbers for members allowed to see them (operators and up), else the last four. */
export async function listMessages(tx: TransactionSql, organizationId: string, f: MessageFilters, options: { showNumbers: boolean } = NUMBERS_HIDDEN): Promise<MessagePage> {
	const ids = await resolveSearch(tx, organizationId, f);
	const filter = listFilter(f, ids);
	const before = f.cursor ? { created_at: f.cursor.createdAt, id: f.cursor.id } : null;
	// The page's ids and the total, sent together (pipelined on the transaction's connection):
	// both found on the list indexes by SQL that checks the member's right once (no heap visit
	// per candidate row, as RLS makes); the page's rows are then read through RLS by id.
	const [found, total] = await Promise.all([
		tx<{ id: string }[]>`
			select id from public.console_message_ids(${organizationId}::uuid, ${filter as never}::jsonb, ${before as never}::jsonb, ${f.limit + 1})`,
		countMessages(tx, organizationId, f, ids)
	]);
	const rows =
		found.length === 0
			? []
			: await tx<Raw[]>`
				select m.id, to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
					m.user_id, m.contact_id, ct.name as contact_name, m.phone_enc, m.phone_last4, m.notification_type, m.campaign_id,
					m.provider, m.status, public.sms_verdict_kind(m.status, m.scheduled_for, now()) as verdict,
					m.error_code, m.error_message, m.segments, m.price::text as price, m.price_unit, m.retry_of
				from public.sms_messages m
				left join public.contacts ct on ct.id = m.contact_id
				where m.id = any(${found.map((r) => r.id)}::uuid[])
				order by m.created_at desc, m.id desc`;
	const more = rows.length > f.limit;
	const page = rows.slice(0, f.limit);
	const userIds = [...new Set(page.flatMap((r) => (r.user_id ? [r.user_id] : [])))];
	const emails = new Map<string, string>();
	if (userIds.length > 0) {
		const users = await tx<{ user_id: string; email: string }[]>`
			select user_id, email from public.workspace_recipient_users(${organizationId}::uuid, ${userIds}::uuid[])`;
		for (const u of users) emails.set(u.user_id, u.email);
	}
	const last = page.at(-1);
	return {
		rows: page.map((r) => ({
			id: r.id,
			createdAt: r.created_at,
			cursor: { createdAt: r.created_at, id: r.id },
			recipient: r.contact_id
				? { kind: 'contact', id: r.contact_id, name: r.contact_name, email: null, phone: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers) }
				: { kind: 'user', id: r.user_id ?? '', name: null, email: emails.get(r.user_id ?? '') ?? null, phone: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers) },
			type: r.notification_type,
			campaignId: r.campaign_id,
			provider: r.provider,
			status: r.status,
			verdict: r.verdict,
			errorCode: r.error_code,
			errorMessage: r.error_message,
			segments: r.segments,
			price: r.price,
			priceUnit: r.price_unit,
			retryOf: r.retry_of
		})),
		next: more && last ? { createdAt: last.created_at, id: last.id } : null,
		total
	};
}

/**
 * Exact up to EXACT_COUNT_LIMIT rows; beyond, the planner's row estimate (labelled "about").
 * Counted by public.console_count_messages: the right to the workspace checked once, then the
 * list indexes alone (no heap visit per counted row, as RLS would make).
 */
export async function countMessages(tx: TransactionSql, organizationId: string, f: MessageFilters, ids?: SearchIds | null): Promise<MessageTotal> {
	const search = ids !== undefined ? ids : await resolveSearch(tx, organizationId, f);
	const [row] = await tx<{ value: string; exact: boolean }[]>`
		select value, exact from public.console_count_messages(${organizationId}::uuid, ${listFilter(f, search) as never}::jsonb, ${EXACT_COUNT_LIMIT})`;
	return { value: Number(row!.value), exact: row!.exact };
}
