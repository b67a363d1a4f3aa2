import { SendMessageRequest, type BatchResponse, type MessageAccepted } from '$lib/api/v1/schemas/messages';
import { validationProblem, zodIssues } from '$lib/api/v1/problems';
import type { Problem } from '$lib/api/v1/schemas/common';
import type { BatchItemError, BatchItemInput } from './outcome.ts';
import { sqlIssues } from './sql-errors.ts';
import { openedPhone, sealRecipient } from '../phones.ts';
import { shownPhones } from '$lib/server/phones/memo';

/**
 * Each text validated on its own by the schema, its `to.phone` sealed; the ones it refuses go to
 * the database as their problem (so the kept answer holds them too). Field names carry the index
 * ("messages.3.to.phone").
 */
export function batchItems(messages: unknown[]): BatchItemInput[] {
	return messages.map((item, index) => {
		const parsed = SendMessageRequest.safeParse(item);
		return parsed.success
			? { index, message: sealRecipient(parsed.data) }
			: { index, problem: validationProblem(zodIssues(parsed.error, ['messages', index])) };
	});
}

/**
 * What public.api_send_batch answers and keeps (20261204120000_api_send_batch_in_parts.sql): the
 * accepted texts column by column ("index" places each; a column is null when none was accepted),
 * the refused ones one by one.
 */
export interface StoredBatch {
	accepted: number;
	rejected: number;
	ok: {
		index: number[] | null;
		id: string[] | null;
		status: MessageAccepted['status'][] | null;
		statusReason: (string | null)[] | null;
		sendAt: (string | null)[] | null;
		createdAt: string[] | null;
		userId: (string | null)[] | null;
		contactId: (string | null)[] | null;
		externalId: (string | null)[] | null;
		/** As stored: phone_enc (opened here on the way out), beside its last four. */
		phone: (string | null)[] | null;
		phoneLast4: (string | null)[] | null;
	};
	refused: ({ index: number; problem: Problem } | { index: number; error: BatchItemError })[];
}

/** An answer kept before 20261204120000 (one result per text, in order), still replayed within its 24 hours. */
interface StoredBatchV1 {
	accepted: number;
	rejected: number;
	results: (BatchResponse['results'][number] & { error?: BatchItemError })[];
}

/** A text the database refused, worded as the problem the client gets. */
function refusedProblem(index: number, error: BatchItemError, messages: unknown[]): Problem {
	const template = (messages[index] as { template?: unknown } | undefined)?.template;
	const issues = sqlIssues(error, { prefix: `messages.${index}.`, template: typeof template === 'string' ? template : undefined }) ?? [
		{ field: `messages.${index}`, message: error.message.replace(/^[a-z_]+:\s*/, ''), code: error.code }
	];
	return validationProblem(issues);
}

/**
 * The answer as the client gets it (BatchResponse, one result per text in input order, numbers
 * opened). A replayed answer (kept in the database as it was computed) reads the same.
 */
export function batchAnswer(stored: StoredBatch | StoredBatchV1, messages: unknown[]): BatchResponse {
	if ('results' in stored) {
		return {
			accepted: stored.accepted,
			rejected: stored.rejected,
			results: stored.results.map(({ error, ...r }) => (error ? { index: r.index, ok: false, problem: refusedProblem(r.index, error, messages) } : r))
		};
	}
	const results: BatchResponse['results'] = new Array(stored.accepted + stored.rejected);
	const c = stored.ok;
	const n = c.index?.length ?? 0;
	// Texts to one contact hold its number as one ciphertext (copied as it is): opened once.
	const open = shownPhones(true);
	const phoneAt = (k: number) => openedPhone(c.phone?.[k] ?? null, c.phoneLast4?.[k] ?? null, open);
	for (let k = 0; k < n; k++) {
		const index = c.index![k];
		results[index] = {
			index,
			ok: true,
			message: {
				id: c.id![k],
				status: c.status![k],
				statusReason: c.statusReason![k],
				to: { userId: c.userId![k], contactId: c.contactId![k], externalId: c.externalId![k], phone: phoneAt(k) },
				sendAt: c.sendAt![k],
				createdAt: c.createdAt![k]
			}
		};
	}
	for (const r of stored.refused) {
		results[r.index] = { index: r.index, ok: false, problem: 'problem' in r ? r.problem : refusedProblem(r.index, r.error, messages) };
	}
	return { accepted: stored.accepted, rejected: stored.rejected, results };
}
