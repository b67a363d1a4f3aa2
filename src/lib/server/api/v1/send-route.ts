import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import { operation, type Operation } from '$lib/api/v1/operations';
import { problem, validationProblem } from '$lib/api/v1/problems';
import type { SendMessage } from '$lib/api/v1/schemas/messages';
import { readJsonBody } from './body.ts';
import { type ApiBackend, checkKey, clientIp, failure, fingerprint, idempotencyKeyOf, missingScope, rateLimited, requireBearer, respond, unknownKey } from './handler.ts';
import { hashApiKey, keyPrefix } from './keys.ts';
import { batchAnswer, batchItems } from './messages/batch.ts';
import type { SendOutcome } from './messages/outcome.ts';
import { sqlError, sqlIssues } from './messages/sql-errors.ts';
import { apiKeyLimits } from './rate-limiter.ts';
import { ApiProblem } from './respond.ts';
import { parseOrProblem } from './validate.ts';
import { openAccepted, sealRecipient } from './phones.ts';

type SendOperation = 'sendMessage' | 'sendBatch';

async function readRequest(event: RequestEvent, op: Operation) {
	const read = await readJsonBody(event.request);
	const body = parseOrProblem(op.body!, read.value);
	const idempotencyKey = idempotencyKeyOf(event.request);
	// Only an Idempotency-Key needs the fingerprint.
	return { body, idempotencyKey, fingerprint: idempotencyKey === null ? '' : fingerprint(op.method, event.url.pathname, read.text) };
}

/**
 * POST /messages and /messages/batch: ONE database call per request (public.api_send_message /
 * api_send_batch check the key and scope, claim the Idempotency-Key, queue and keep the answer).
 * Same answers as apiRoute gives: a missing key is 401 before anything; a key over its rate is
 * 429 before the database (the limiter learns each key's rate from the database's answers);
 * a request refused by the body or its validation still answers the key's refusal first.
 */
export function apiSendRoute(operationId: SendOperation, backend: () => ApiBackend): RequestHandler {
	const op = operation(operationId);
	return async (event) => {
		try {
			const secret = requireBearer(event);
			const keyHash = hashApiKey(secret);
			const before = apiKeyLimits.check(keyHash);
			if (before.wait !== null) throw rateLimited(before.rate ?? 0, before.wait);
			let request: Awaited<ReturnType<typeof readRequest>>;
			try {
				request = await readRequest(event, op);
			} catch (e) {
				if (e instanceof ApiProblem) await checkKey(event, op, backend(), secret);
				throw e;
			}
			const credentials = { keyHash, keyPrefix: keyPrefix(secret), ip: clientIp(event) };
			const { idempotencyKey, fingerprint } = request;
			let outcome: SendOutcome;
			let messages: unknown[] = [];
			if (operationId === 'sendMessage') {
				const message = request.body as SendMessage;
				try {
					outcome = await backend().sendMessage({ ...credentials, message: sealRecipient(message), idempotencyKey, fingerprint });
				} catch (e) {
					const err = sqlError(e);
					const issues = err && sqlIssues(err, { template: message.template });
					if (issues) throw new ApiProblem(validationProblem(issues));
					throw e;
				}
			} else {
				messages = (request.body as { messages: unknown[] }).messages;
				outcome = await backend().sendBatch({ ...credentials, items: batchItems(messages), idempotencyKey, fingerprint });
			}
			apiKeyLimits.learn(keyHash, outcome.refusal === 'unknown_key' ? null : outcome.rateLimitPerSecond, before.counted);
			if (outcome.refusal === 'unknown_key') throw unknownKey();
			if (outcome.refusal === 'missing_scope') throw missingScope(op.scope ?? '');
			if (outcome.refusal === 'idempotency_key_reused') {
				throw new ApiProblem(
					problem('idempotency_key_reused', 'This Idempotency-Key was already used with a different request (method, path or body); use a new key for a new request.')
				);
			}
			// The answers hold numbers sealed (as kept for the Idempotency-Key): opened on the way out.
			const body =
				operationId === 'sendBatch' ? batchAnswer(outcome.body as never, messages) : outcome.status === 202 ? openAccepted(outcome.body as never) : outcome.body;
			return respond({ status: outcome.status, body, replayed: outcome.replayed });
		} catch (e) {
			return failure(e, event, operationId);
		}
	};
}
