import { z } from 'zod';
import { VERDICT_KINDS, type VerdictKind } from '@sms/twilio-service';
import { decodeHistoryCursor, encodeHistoryCursor, type HistoryCursor } from '../sms/history-query.ts';
import { parseContactSearch } from '../workspaces/contact-search.ts';
import { sealE164 } from '../phones/input.ts';

export const MESSAGE_PAGE_SIZE = 50;

export const MESSAGE_STATUSES = [
	'pending', 'scheduled', 'dispatching', 'queued', 'sending', 'sent',
	'delivered', 'undelivered', 'failed', 'suppressed', 'canceled'
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A filter the person typed that we cannot use; `param` names it for the 400 / the form. */
export class MessageFilterError extends Error {
	readonly code = 'invalid_message_filter';
	constructor(readonly param: string, message: string) {
		super(message);
		this.name = 'MessageFilterError';
	}
}

/** How the one search box is matched: a name / e-mail / external id, or a phone number. */
export interface RecipientSearch {
	text: string;
	/** Name substring, exact e-mail, exact external id (null when the text is a number). */
	words: string | null;
	/**
	 * The blind index (phone_hash) of the full number when the text reads as one (any format, read
	 * in the workspace's country): texts are found by it; the number itself never reaches SQL.
	 */
	hash: string | null;
	/** Exactly four digits typed: the last four of a number. */
	last4: string | null;
}

/** A verdict, or `pending`: not final yet (scheduled or in progress), as the overview counts it. */
export const VERDICT_FILTERS = [...VERDICT_KINDS, 'pending'] as const;
export type VerdictFilter = VerdictKind | 'pending';

export interface MessageFilters {
	verdict: VerdictFilter | null;
	status: MessageStatus | null;
	type: string | null;
	provider: string | null;
	campaign: string | null;
	error: number | null;
	country: string | null;
	from: Date | null;
	to: Date | null;
	q: RecipientSearch | null;
	cursor: HistoryCursor | null;
	limit: number;
	/** One recipient's texts (the history page sets it; not a URL parameter). */
	recipient?: { kind: 'user' | 'contact'; id: string };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const dateParam = z.string().refine((v) => (DAY.test(v) || !Number.isNaN(Date.parse(v))) && !Number.isNaN(Date.parse(v)), 'is not a date (use YYYY-MM-DD or ISO 8601)');

const schema = z.object({
	verdict: z.enum(VERDICT_FILTERS).optional(),
	status: z.enum(MESSAGE_STATUSES).optional(),
	type: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'is not a notification type').optional(),
	provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'is not a provider name').optional(),
	campaign: z.uuid('is not a campaign id').optional(),
	error: z.coerce.number().int('is not an error code').min(0).max(999_999).optional(),
	country: z.string().regex(/^\+?\d{1,3}$/, 'is not a calling code such as +44').optional(),
	from: dateParam.optional(),
	to: dateParam.optional(),
	q: z.string().max(100, 'is longer than 100 characters').optional(),
	cursor: z.string().max(200).optional(),
	limit: z.coerce.number().int().min(1).max(100).default(MESSAGE_PAGE_SIZE)
});

export const FILTER_KEYS = ['verdict', 'status', 'type', 'provider', 'campaign', 'error', 'country', 'from', 'to', 'q'] as const;

/**
 * A local day ("2026-12-01") in the viewer's zone → the instant it starts; an ISO instant as is.
 * `to` is inclusive of its whole day.
 */
export function instant(value: string, timeZone: string, endOfDay: boolean): Date {
	if (!DAY.test(value)) return new Date(value);
	const [y, m, d] = value.split('-').map(Number) as [number, number, number];
	const utc = Date.UTC(y, m - 1, d + (endOfDay ? 1 : 0));
	// The zone's offset at that moment (Intl gives the local wall time of a UTC instant).
	const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
		.formatToParts(new Date(utc))
		.reduce<Record<string, number>>((acc, p) => (p.type === 'literal' ? acc : { ...acc, [p.type]: Number(p.value) }), {});
	const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
	return new Date(utc - (wall - utc));
}

export function parseRecipientSearch(input: string, defaultCountry: string): RecipientSearch | null {
	const parsed = parseContactSearch(input, defaultCountry);
	if (!parsed) return null;
	const text = input.trim().slice(0, 100);
	if (parsed.name !== null) return { text, words: parsed.name, hash: null, last4: null };
	const digits = parsed.digits ?? '';
	return { text, words: null, hash: parsed.e164 ? sealE164(parsed.e164).hash : null, last4: digits.length === 4 ? digits : null };
}

/** The URL's filters (empty values mean "not set"); throws MessageFilterError naming the parameter. */
export function parseMessageFilters(search: URLSearchParams, options: { timeZone: string; defaultCountry: string }): MessageFilters {
	const raw: Record<string, string> = {};
	for (const key of [...FILTER_KEYS, 'cursor', 'limit']) {
		const value = search.get(key)?.trim();
		if (value) raw[key] = value;
	}
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const param = String(issue.path[0] ?? 'parameter');
		throw new MessageFilterError(param, `${param} ${issue.message}`);
	}
	const p = parsed.data;
	const cursor = p.cursor ? decodeHistoryCursor(p.cursor) : null;
	if (p.cursor && !cursor) throw new MessageFilterError('cursor', 'cursor is not one this page gave out; start from the first page');
	const from = p.from ? instant(p.from, options.timeZone, false) : null;
	const to = p.to ? instant(p.to, options.timeZone, true) : null;
	if (from && to && from > to) throw new MessageFilterError('to', 'to is before from');
	const q = p.q ? parseRecipientSearch(p.q, options.defaultCountry) : null;
	if (q && q.words === null && q.hash === null && q.last4 === null) {
		throw new MessageFilterError('q', 'q is not a whole phone number nor its last four digits');
	}
	return {
		verdict: p.verdict ?? null,
		status: p.status ?? null,
		type: p.type ?? null,
		provider: p.provider ?? null,
		campaign: p.campaign ?? null,
		error: p.error ?? null,
		country: p.country ? p.country.replace('+', '') : null,
		from,
		to,
		q,
		cursor,
		limit: p.limit
	};
}

export { encodeHistoryCursor as encodeMessageCursor };
