import { SendMessageRequest, type BatchResponse } from '$lib/api/v1/schemas/messages';
import { validationProblem, zodIssues } from '$lib/api/v1/problems';
import type { BatchItemError, BatchItemInput } from './outcome.ts';
import { sqlIssues } from './sql-errors.ts';

/**
 * Each text validated on its own by the schema; the ones it refuses go to the database as their
 * problem (so the kept answer holds them too). Field names carry the index ("messages.3.to.phone").
 */
export function batchItems(messages: unknown[]): BatchItemInput[] {
	return messages.map((item, index) => {
		const parsed = SendMessageRequest.safeParse(item);
		return parsed.success
			? { index, message: parsed.data }
			: { index, problem: validationProblem(zodIssues(parsed.error, ['messages', index])) };
	});
}

type StoredItem = BatchResponse['results'][number] & { error?: BatchItemError };

/**
 * The answer as the client gets it: a text the database refused ({ error }) becomes its problem.
 * Pure, so a replayed answer (kept in the database as it was computed) reads the same.
 */
export function batchAnswer(stored: { accepted: number; rejected: number; results: StoredItem[] }, messages: unknown[]): BatchResponse {
	return {
		accepted: stored.accepted,
		rejected: stored.rejected,
		results: stored.results.map(({ error, ...r }) => {
			if (!error) return r;
			const prefix = `messages.${r.index}.`;
			const template = (messages[r.index] as { template?: unknown } | undefined)?.template;
			const issues = sqlIssues(error, { prefix, template: typeof template === 'string' ? template : undefined }) ?? [
				{ field: `messages.${r.index}`, message: error.message.replace(/^[a-z_]+:\s*/, ''), code: error.code }
			];
			return { index: r.index, ok: false, problem: validationProblem(issues) };
		})
	};
}
