import { createHash } from 'node:crypto';
import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import type { TransactionSql } from '@sms/db';
import { operation, type Operation } from '$lib/api/v1/operations';
import { problem } from '$lib/api/v1/problems';
import { API_LIMITS } from '$lib/api/v1/limits';
import type { BatchItemInput, SendOutcome } from './messages/outcome.ts';
import { log } from '$lib/server/log';
import { readJsonBody } from './body.ts';
import { bearerKey, hashApiKey, keyPrefix } from './keys.ts';
import type { ApiKeyPrincipal } from './principal.ts';
import { apiKeyLimits } from './rate-limiter.ts';
import { ApiProblem, apiJson, problemResponse } from './respond.ts';
import { parseOrProblem } from './validate.ts';

export interface ApiResult {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export interface ApiContext {
	op: Operation;
	key: ApiKeyPrincipal;
	event: RequestEvent;
	/** The validated body (the operation's schema output), when the operation has one. */
	body: unknown;
	bodyText: string;
}

/** The key as the send functions take it: its hash, its visible prefix (for refusal counts), the caller's address. */
export interface KeyCredentials {
	keyHash: string;
	keyPrefix: string;
	ip: string | null;
}

/** What the wrapper needs from the database; the real one is in backend.ts. */
export interface ApiBackend {
	authenticate(keyHash: string): Promise<ApiKeyPrincipal | null>;
	/** Counts a refused key (for the audited "use-failure spike"); must never throw. */
	noteAuthFailure(info: { reason: 'unknown_key' | 'missing_scope'; prefix: string; ip: string | null }): void;
	/** Runs `run` in one service-role transaction, under the Idempotency-Key when given. */
	transact(
		args: { key: ApiKeyPrincipal; idempotencyKey: string | null; fingerprint: string },
		run: (tx: TransactionSql) => Promise<ApiResult>
	): Promise<ApiResult & { replayed?: boolean }>;
	/** POST /messages in one database call: key, idempotency, recipient, text, metadata, kept answer. */
	sendMessage(args: KeyCredentials & { message: unknown; idempotencyKey: string | null; fingerprint: string }): Promise<SendOutcome>;
	/** POST /messages/batch in one database call (queue_sms_messages_bulk for the good texts). */
	sendBatch(args: KeyCredentials & { items: BatchItemInput[]; idempotencyKey: string | null; fingerprint: string }): Promise<SendOutcome>;
}

export function clientIp(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null;
	}
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="api/v1"' };

/** The key from the Authorization header, or 401 without touching the database. */
export function requireBearer(event: RequestEvent): string {
	const secret = bearerKey(event.request.headers.get('authorization'));
	if (!secret) {
		throw new ApiProblem(problem('unauthorized', 'Send your API key as Authorization: Bearer sk_live_… (create one under Settings → API keys).'), CHALLENGE);
	}
	return secret;
}

export const unknownKey = () => new ApiProblem(problem('unauthorized', 'This API key does not exist or was revoked.'), CHALLENGE);
export const missingScope = (scope: string) => new ApiProblem(problem('forbidden', `This API key lacks the ${scope} scope; create a key with it.`));
export const rateLimited = (rate: number, wait: number) =>
	new ApiProblem(problem('rate_limited', `This key may make ${rate} requests a second; retry after ${wait} s.`), { 'retry-after': String(wait) });

/** The key and its scope (no rate limit): the refusal a request with this key gets, if any. */
export async function checkKey(event: RequestEvent, op: Operation, backend: ApiBackend, secret: string): Promise<ApiKeyPrincipal> {
	const hash = hashApiKey(secret);
	const key = await backend.authenticate(hash);
	if (!key) {
		apiKeyLimits.learn(hash, null, false);
		backend.noteAuthFailure({ reason: 'unknown_key', prefix: keyPrefix(secret), ip: clientIp(event) });
		throw unknownKey();
	}
	if (op.scope && !key.scopes.includes(op.scope)) {
		backend.noteAuthFailure({ reason: 'missing_scope', prefix: keyPrefix(secret), ip: clientIp(event) });
		throw missingScope(op.scope);
	}
	return key;
}

async function authorize(event: RequestEvent, op: Operation, backend: ApiBackend): Promise<ApiKeyPrincipal> {
	const secret = requireBearer(event);
	const hash = hashApiKey(secret);
	const before = apiKeyLimits.check(hash);
	if (before.wait !== null) throw rateLimited(before.rate ?? 0, before.wait);
	const key = await checkKey(event, op, backend, secret);
	const wait = apiKeyLimits.learn(hash, key.rateLimitPerSecond, before.counted);
	if (wait !== null) throw rateLimited(key.rateLimitPerSecond, wait);
	return key;
}

export function idempotencyKeyOf(request: Request): string | null {
	const k = request.headers.get('idempotency-key');
	if (k === null) return null;
	if (k.length === 0 || k.length > API_LIMITS.idempotencyKeyMaxLength || !/^[\x21-\x7e]+$/.test(k)) {
		throw new ApiProblem(
			problem('invalid_request', `Idempotency-Key must be 1 to ${API_LIMITS.idempotencyKeyMaxLength} visible ASCII characters.`, {
				field: 'Idempotency-Key',
				errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters', code: 'invalid_header' }]
			})
		);
	}
	return k;
}

/**
 * What an Idempotency-Key is bound to: method, path and the exact body bytes. node:crypto, not
 * crypto.subtle: the web one hops through a job queue and was a tenth of a send's CPU.
 */
export function fingerprint(method: string, path: string, body: string): string {
	return createHash('sha256').update(`${method}\n${path}\n${body}`).digest('hex');
}

/** The response for a result; problem+json for a status of 400 and above. */
export function respond(result: ApiResult & { replayed?: boolean }): Response {
	const headers = { ...(result.headers ?? {}), ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}) };
	if (result.body === undefined) return new Response(null, { status: result.status, headers });
	if (result.status >= 400) return problemResponse(result.body as never, headers);
	return apiJson(result.body, result.status, headers);
}

/** Every failure as problem+json; an unexpected one is logged with a reference and answered 500. */
export function failure(e: unknown, event: RequestEvent, operationId: string): Response {
	if (e instanceof ApiProblem) return problemResponse({ ...e.problem, instance: event.url.pathname }, e.headers);
	const reference = crypto.randomUUID().slice(0, 8);
	log.error({ err: e, reference, operationId, path: event.url.pathname }, 'api/v1 request failed');
	return problemResponse(problem('internal', `Unexpected error (reference ${reference}); retrying with the same Idempotency-Key is safe.`));
}

/**
 * Wraps one /api/v1 operation: key, scope and rate limit first (nothing read or written for a
 * refused key), then the body, validation, idempotency and the operation in one transaction.
 * (POST /messages and /messages/batch are faster, in send-route.ts.)
 */
export function apiRoute(
	operationId: string,
	run: (ctx: ApiContext, tx: TransactionSql) => Promise<ApiResult>,
	backend: () => ApiBackend
): RequestHandler {
	const op = operation(operationId);
	return async (event) => {
		try {
			const key = await authorize(event, op, backend());
			let body: unknown = undefined;
			let bodyText = '';
			if (op.body) {
				const read = await readJsonBody(event.request);
				bodyText = read.text;
				body = parseOrProblem(op.body, read.value);
			}
			const idempotencyKey = op.idempotent ? idempotencyKeyOf(event.request) : null;
			return respond(
				await backend().transact(
					{ key, idempotencyKey, fingerprint: fingerprint(op.method, event.url.pathname, bodyText) },
					(tx) => run({ op, key, event, body, bodyText }, tx)
				)
			);
		} catch (e) {
			return failure(e, event, operationId);
		}
	};
}
