import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import type { TransactionSql } from '@sms/db';
import { operation, type Operation } from '$lib/api/v1/operations';
import { problem } from '$lib/api/v1/problems';
import { API_LIMITS } from '$lib/api/v1/limits';
import { log } from '$lib/server/log';
import { readJsonBody } from './body.ts';
import { bearerKey, hashApiKey, keyPrefix } from './keys.ts';
import type { ApiKeyPrincipal } from './principal.ts';
import { KeyRateLimiter } from './rate-limiter.ts';
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
}

const limiter = new KeyRateLimiter();

function clientIp(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null;
	}
}

async function authorize(event: RequestEvent, op: Operation, backend: ApiBackend): Promise<ApiKeyPrincipal> {
	const secret = bearerKey(event.request.headers.get('authorization'));
	const challenge = { 'www-authenticate': 'Bearer realm="api/v1"' };
	if (!secret) {
		throw new ApiProblem(problem('unauthorized', 'Send your API key as Authorization: Bearer sk_live_… (create one under Settings → API keys).'), challenge);
	}
	const key = await backend.authenticate(hashApiKey(secret));
	if (!key) {
		backend.noteAuthFailure({ reason: 'unknown_key', prefix: keyPrefix(secret), ip: clientIp(event) });
		throw new ApiProblem(problem('unauthorized', 'This API key does not exist or was revoked.'), challenge);
	}
	if (op.scope && !key.scopes.includes(op.scope)) {
		backend.noteAuthFailure({ reason: 'missing_scope', prefix: keyPrefix(secret), ip: clientIp(event) });
		throw new ApiProblem(problem('forbidden', `This API key lacks the ${op.scope} scope; create a key with it.`));
	}
	const wait = limiter.take(key.keyId, key.rateLimitPerSecond);
	if (wait !== null) {
		throw new ApiProblem(problem('rate_limited', `This key may make ${key.rateLimitPerSecond} requests a second; retry after ${wait} s.`), {
			'retry-after': String(wait)
		});
	}
	return key;
}

function idempotencyKeyOf(request: Request): string | null {
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

async function fingerprint(method: string, path: string, body: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${method}\n${path}\n${body}`));
	return Buffer.from(digest).toString('hex');
}

/**
 * Wraps one /api/v1 operation: key, scope and rate limit first (nothing read or written for a
 * refused key), then the body, validation, idempotency and the operation in one transaction.
 * Every failure is problem+json; an unexpected one is logged with a reference and answered 500.
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
			const result = await backend().transact(
				{ key, idempotencyKey, fingerprint: await fingerprint(op.method, event.url.pathname, bodyText) },
				(tx) => run({ op, key, event, body, bodyText }, tx)
			);
			const headers = { ...(result.headers ?? {}), ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}) };
			if (result.body === undefined) return new Response(null, { status: result.status, headers });
			if (result.status >= 400) return problemResponse(result.body as never, headers);
			return apiJson(result.body, result.status, headers);
		} catch (e) {
			if (e instanceof ApiProblem) return problemResponse({ ...e.problem, instance: event.url.pathname }, e.headers);
			const reference = crypto.randomUUID().slice(0, 8);
			log.error({ err: e, reference, operationId, path: event.url.pathname }, 'api/v1 request failed');
			return problemResponse(problem('internal', `Unexpected error (reference ${reference}); retrying with the same Idempotency-Key is safe.`));
		}
	};
}
