import { z } from 'zod';
import { VERDICT_KINDS, type VerdictKind } from '@sms/twilio-service';
import { decodeHistoryCursor, type HistoryCursor } from '$lib/server/sms/history-query';

export const PAGE_SIZE = 50;

export class HistoryParamsError extends Error {
	readonly code = 'invalid_history_params';
	constructor(message: string, options: { cause?: unknown } = {}) {
		super(message, { cause: options.cause });
		this.name = 'HistoryParamsError';
	}
}

export interface HistoryParams {
	cursor: HistoryCursor | null;
	limit: number;
	verdict: VerdictKind | null;
	type: string | null;
}

const schema = z.object({
	cursor: z.string().max(200).optional(),
	limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
	verdict: z.enum(VERDICT_KINDS).optional(),
	type: z
		.string()
		.regex(/^[a-z][a-z0-9_]{0,62}$/)
		.optional()
});

/** ?cursor=&limit=&verdict=&type= (empty values mean "not set"). */
export function parseHistoryParams(search: URLSearchParams): HistoryParams {
	const raw: Record<string, string> = {};
	for (const key of ['cursor', 'limit', 'verdict', 'type']) {
		const value = search.get(key);
		if (value) raw[key] = value;
	}
	const parsed = schema.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new HistoryParamsError(`Invalid ${issue.path.join('.') || 'parameter'}: ${issue.message}`, {
			cause: parsed.error
		});
	}
	const cursor = parsed.data.cursor ? decodeHistoryCursor(parsed.data.cursor) : null;
	if (parsed.data.cursor && !cursor) throw new HistoryParamsError('Invalid cursor.');
	return { cursor, limit: parsed.data.limit, verdict: parsed.data.verdict ?? null, type: parsed.data.type ?? null };
}
