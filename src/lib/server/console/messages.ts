import type { TransactionSql } from '@sms/db';
import { verdictFor, type VerdictKind } from '@sms/twilio-service';
import type { HistoryCursor } from '../sms/history-query.ts';
import { MESSAGE_STATUSES, VERDICT_FILTERS, type MessageFilters, type VerdictFilter } from './message-filters.ts';
import { NUMBERS_HIDDEN, shownClearPhone } from '../phones/view.ts';

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

/**
 * The texts of the recipients a name / e-mail / external id found. Only the lists that have
 * ids are named, so the planner walks one recipient index rather than OR-ing two.
 */
function searchIds(tx: TransactionSql, contactIds: string[], userIds: string[]) {
	if (contactIds.length > 0 && userIds.length > 0) return tx`and (m.contact_id = any(${contactIds}::uuid[]) or m.user_id = any(${userIds}::uuid[]))`;
	if (contactIds.length > 0) return tx`and m.contact_id = any(${contactIds}::uuid[])`;
	if (userIds.length > 0) return tx`and m.user_id = any(${userIds}::uuid[])`;
	return tx`and false`;
}

/**
 * The WHERE clause for a workspace's outbound texts and the filters (no cursor). Wrapped in an
 * object: a fragment is a thenable, and returning it bare from an async function would run it.
 */
export async function messageWhere(tx: TransactionSql, organizationId: string, f: MessageFilters, o: { estimate?: boolean } = {}) {
	let contactIds: string[] = [];
	let userIds: string[] = [];
	if (f.q?.words) {
		const words = f.q.words;
		const contacts = await tx<{ id: string }[]>`
			select id from public.contacts
			where organization_id = ${organizationId}
				and (name ilike ${'%' + words.replace(/[\\%_]/g, (c) => '\\' + c) + '%'} or external_id = ${words}
					or lower(attributes ->> 'email') = lower(${words}))
			limit 500`;
		contactIds = contacts.map((c) => c.id);
		if (words.includes('@')) {
			const users = await tx<{ user_id: string }[]>`
				select user_id from public.workspace_recipient_users(${organizationId}::uuid, null, ${words})`;
			userIds = users.map((u) => u.user_id);
		}
	}
	const q = f.q;
	const where = tx`
		m.organization_id = ${organizationId} and m.direction = 'outbound'
		${f.recipient ? (f.recipient.kind === 'contact' ? tx`and m.contact_id = ${f.recipient.id}::uuid` : tx`and m.user_id = ${f.recipient.id}::uuid`) : tx``}
		${
			// The statuses the verdict can have, as a literal list, let the planner use the status
			// index and its statistics; the SQL rule then decides.
			f.verdict === 'pending'
				? tx`and m.status = any(${VERDICT_STATUSES.pending}::text[]) and not public.sms_status_is_final(m.status)`
				: f.verdict
					? o.estimate
						? // The planner cannot see through the rule (it guesses 0.5 %); the statuses alone
							// estimate well (and are exact but for scheduled / in progress).
							tx`and m.status = any(${VERDICT_STATUSES[f.verdict]}::text[])`
						: tx`and m.status = any(${VERDICT_STATUSES[f.verdict]}::text[])
							and public.sms_verdict_kind(m.status, m.scheduled_for, now()) = ${f.verdict}`
					: tx``
		}
		${f.status ? tx`and m.status = ${f.status}` : tx``}
		${f.type ? tx`and m.notification_type = ${f.type}` : tx``}
		${f.provider ? tx`and coalesce(m.provider, case when m.twilio_sid is not null then 'twilio' end) = ${f.provider}` : tx``}
		${f.campaign ? tx`and m.campaign_id = ${f.campaign}::uuid` : tx``}
		${f.error !== null ? tx`and m.error_code = ${f.error}` : tx``}
		${f.country ? tx`and m.calling_code = ${f.country}` : tx``}
		${f.from ? tx`and m.created_at >= ${f.from}` : tx``}
		${f.to ? tx`and m.created_at < ${f.to}` : tx``}
		${
			q === null
				? tx``
				: q.words !== null
					? searchIds(tx, contactIds, userIds)
					: q.e164 !== null
						? tx`and m.phone_number = ${q.e164}`
						: tx`and m.phone_last4 = ${q.last4}`
		}`;
	return { where };
}

interface Raw {
	id: string;
	created_at: string;
	user_id: string | null;
	contact_id: string | null;
	contact_name: string | null;
	phone_number: string;
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
	const { where } = await messageWhere(tx, organizationId, f);
	const c = f.cursor;
	const rows = await tx<Raw[]>`
		select m.id, to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
			m.user_id, m.contact_id, ct.name as contact_name, m.phone_number, m.notification_type, m.campaign_id,
			coalesce(m.provider, case when m.twilio_sid is not null then 'twilio' end) as provider,
			m.status, public.sms_verdict_kind(m.status, m.scheduled_for, now()) as verdict,
			m.error_code, m.error_message, m.segments, m.price::text as price, m.price_unit, m.retry_of
		from public.sms_messages m
		left join public.contacts ct on ct.id = m.contact_id
		where ${where}
		${c ? tx`and (m.created_at, m.id) < (${c.createdAt}::timestamptz, ${c.id}::uuid)` : tx``}
		order by m.created_at desc, m.id desc
		limit ${f.limit + 1}`;
	const more = rows.length > f.limit;
	const page = rows.slice(0, f.limit);
	const userIds = [...new Set(page.flatMap((r) => (r.user_id ? [r.user_id] : [])))];
	const emails = new Map<string, string>();
	if (userIds.length > 0) {
		const users = await tx<{ user_id: string; email: string }[]>`
			select user_id, email from public.workspace_recipient_users(${organizationId}::uuid, ${userIds}::uuid[])`;
		for (const u of users) emails.set(u.user_id, u.email);
	}
	const total = await countMessages(tx, organizationId, f);
	const last = page.at(-1);
	return {
		rows: page.map((r) => ({
			id: r.id,
			createdAt: r.created_at,
			cursor: { createdAt: r.created_at, id: r.id },
			recipient: r.contact_id
				? { kind: 'contact', id: r.contact_id, name: r.contact_name, email: null, phone: shownClearPhone(r.phone_number, options.showNumbers) }
				: { kind: 'user', id: r.user_id ?? '', name: null, email: emails.get(r.user_id ?? '') ?? null, phone: shownClearPhone(r.phone_number, options.showNumbers) },
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

/** Exact up to EXACT_COUNT_LIMIT rows; beyond, the planner's row estimate (labelled "about"). */
export async function countMessages(tx: TransactionSql, organizationId: string, f: MessageFilters): Promise<MessageTotal> {
	const { where } = await messageWhere(tx, organizationId, f);
	// A bitmap scan reads every match before the LIMIT applies (70,000 for "failed" in a million
	// texts); an index scan stops at the limit. Off for this one statement only.
	await tx`select set_config('enable_bitmapscan', 'off', true)`;
	const [{ n }] = await tx<{ n: number }[]>`
		select count(*)::int as n from (select 1 from public.sms_messages m where ${where} limit ${EXACT_COUNT_LIMIT + 1}) s`;
	await tx`select set_config('enable_bitmapscan', 'on', true)`;
	if (n <= EXACT_COUNT_LIMIT) return { value: n, exact: true };
	const rough = await messageWhere(tx, organizationId, f, { estimate: true });
	const plan = await tx<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>`
		explain (format json) select 1 from public.sms_messages m where ${rough.where}`;
	const estimate = plan[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? n;
	return { value: Math.max(Math.round(estimate), n), exact: false };
}
