import type { TransactionSql } from '@sms/db';
import { SendMessageRequest, type BatchResponse } from '$lib/api/v1/schemas/messages';
import { validationProblem, zodIssues } from '$lib/api/v1/problems';
import type { ApiKeyPrincipal } from '../principal.ts';
import { ApiProblem } from '../respond.ts';
import { queueOne } from './send.ts';

/**
 * Each text on its own: validated, then queued in its own savepoint so a text the database
 * refuses leaves the others queued. Field names carry the index ("messages.3.to.phone").
 */
export async function queueBatch(tx: TransactionSql, key: ApiKeyPrincipal, items: unknown[]): Promise<BatchResponse> {
	const results: BatchResponse['results'] = [];
	for (const [index, item] of items.entries()) {
		const prefix = `messages.${index}.`;
		const parsed = SendMessageRequest.safeParse(item);
		if (!parsed.success) {
			results.push({ index, ok: false, problem: validationProblem(zodIssues(parsed.error, ['messages', index])) });
			continue;
		}
		try {
			const message = await tx.savepoint((sp) => queueOne(sp, key, parsed.data, prefix));
			results.push({ index, ok: true, message });
		} catch (e) {
			if (!(e instanceof ApiProblem)) throw e;
			results.push({ index, ok: false, problem: e.problem });
		}
	}
	const accepted = results.filter((r) => r.ok).length;
	return { accepted, rejected: results.length - accepted, results };
}
