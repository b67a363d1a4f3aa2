import { z } from 'zod';
import { PROVIDER_IDS } from '@sms/providers';
import { dateParam, instant, MESSAGE_STATUSES, MessageFilterError, parseRecipientSearch, type RecipientSearch } from './message-filters.ts';

export const DELIVERY_LOG_PAGE_SIZE = 50;
export const DELIVERY_LOG_MAX_LIMIT = 100;
/** Deeper than this, narrow the dates instead (an offset that large would be slow). */
export const DELIVERY_LOG_MAX_PAGE = 10_000;

/** The delivery log's filters: the page's and GET /api/sms-delivery-log's (one parser for both). */
export interface DeliveryLogFilters {
	status: (typeof MESSAGE_STATUSES)[number] | null;
	provider: (typeof PROVIDER_IDS)[number] | null;
	from: Date | null;
	to: Date | null;
	/** The message list's search box: name, e-mail, external id, phone in any format, last four. */
	q: RecipientSearch | null;
	providerRef: string | null;
	/** A user's or a contact's id. */
	recipientId: string | null;
	page: number;
	limit: number;
}

export const DELIVERY_LOG_KEYS = ['status', 'provider', 'from', 'to', 'q', 'providerRef', 'recipientId'] as const;

const schema = z.object({
	status: z.enum(MESSAGE_STATUSES, { message: `is not a status (use one of ${MESSAGE_STATUSES.join(', ')})` }).optional(),
	provider: z.enum(PROVIDER_IDS, { message: `is not a provider (use one of ${PROVIDER_IDS.join(', ')})` }).optional(),
	from: dateParam.optional(),
	to: dateParam.optional(),
	q: z.string().max(100, 'is longer than 100 characters').optional(),
	providerRef: z.string().max(100, 'is longer than 100 characters').optional(),
	recipientId: z.uuid('is not a recipient id').optional(),
	page: z.string().regex(/^\d+$/, 'is not a page number (1, 2, …)').transform(Number)
		.pipe(z.number().int().min(1, 'starts at 1').max(DELIVERY_LOG_MAX_PAGE, `is past ${DELIVERY_LOG_MAX_PAGE}; narrow the dates instead`)).default(1),
	limit: z.string().regex(/^\d+$/, `is not a number from 1 to ${DELIVERY_LOG_MAX_LIMIT}`).transform(Number)
		.pipe(z.number().int().min(1, `must be 1 to ${DELIVERY_LOG_MAX_LIMIT}`).max(DELIVERY_LOG_MAX_LIMIT, `must be at most ${DELIVERY_LOG_MAX_LIMIT}`)).default(DELIVERY_LOG_PAGE_SIZE)
});

/** Throws MessageFilterError naming the parameter ("limit must be at most 100"). */
export function parseDeliveryLogFilters(search: URLSearchParams, options: { timeZone: string; defaultCountry: string }): DeliveryLogFilters {
	const raw: Record<string, string> = {};
	for (const key of [...DELIVERY_LOG_KEYS, 'page', 'limit']) {
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
	const from = p.from ? instant(p.from, options.timeZone, false) : null;
	const to = p.to ? instant(p.to, options.timeZone, true) : null;
	if (from && to && from > to) throw new MessageFilterError('to', 'to is before from');
	const q = p.q ? parseRecipientSearch(p.q, options.defaultCountry) : null;
	if (q && q.words === null && q.hash === null && q.last4 === null) {
		throw new MessageFilterError('q', 'q is not a whole phone number nor its last four digits');
	}
	return {
		status: p.status ?? null,
		provider: p.provider ?? null,
		from,
		to,
		q,
		providerRef: p.providerRef ?? null,
		recipientId: p.recipientId ?? null,
		page: p.page,
		limit: p.limit
	};
}
