import postgres from 'postgres';
import type { Db } from '@sms/db';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import type { Scope } from '$lib/api/v1/operations';
import { problem } from '$lib/api/v1/problems';
import { BatchedWriter } from '$lib/server/webhooks/batched-writer';
import type { ApiBackend, ApiResult, KeyCredentials } from './handler.ts';
import type { SendOutcome } from './messages/outcome.ts';
import { ApiProblem } from './respond.ts';

interface KeyRow {
	key_id: string;
	organization_id: string;
	scopes: Scope[];
	rate_limit_per_second: number;
}

interface PriorRow {
	fingerprint: string;
	response_status: number;
	response_body: unknown;
}

type SendArgs = KeyCredentials & { message: unknown; idempotencyKey: string | null; fingerprint: string };

/**
 * POST /messages arriving together go to the database as one statement and one commit
 * (public.api_send_messages: the plain ones queued together through the batch endpoint's fast
 * path, the others one api_send_message each, in arrival order), two such batches at a time: a
 * commit, a statement and a round trip a request were most of the route's cost beside the
 * text's own work, and one api_send_message after another made a request wait for its whole
 * batch (the tail at concurrency 20). Each
 * request is answered after its batch committed; a batch that fails (a request the database
 * refuses, a deadlock) runs again one request at a time, so only the request at fault gets the
 * error. Only then: any other failure (a lost connection, an answer short of rows) may come
 * after the commit, and sending again would queue texts twice, so it fails the whole batch (the
 * client retries under its Idempotency-Key). Idempotency twins in one batch are serialised by the
 * same advisory lock, the later one finding the earlier one's answer, as across transactions.
 */
export function sendBatcher(database: Db, options: { maxBatch?: number; concurrency?: number } = {}): BatchedWriter<SendArgs, SendOutcome> {
	const sql = database.service;
	return new BatchedWriter<SendArgs, SendOutcome>({
		maxBatch: options.maxBatch ?? 50,
		// Two at a time: one works while the other commits. Now that a batch costs about the same
		// whatever its size, more at once made more, smaller batches and fewer texts a second
		// (bench/api-v1: 1.24–1.29 of direct at 2 vs 0.93–1.06 at 3, same runs, loaded machine).
		concurrency: options.concurrency ?? 2,
		gather: true,
		// The database refused the statement: nothing of the batch was committed.
		retryAlone: (error) => error instanceof postgres.PostgresError,
		run: async (items) => {
			const rows = await sql<{ ord: number; r: SendOutcome }[]>`
				select request as ord, answer as r from public.api_send_messages(
					${items.map((i) => i.keyHash)}::text[],
					${items.map((i) => i.keyPrefix)}::text[],
					${items.map((i) => i.ip)}::inet[],
					${items.map((i) => JSON.stringify(i.message))}::text[]::jsonb[],
					${items.map((i) => i.idempotencyKey)}::text[],
					${items.map((i) => i.fingerprint)}::text[])`;
			const byOrd = new Map(rows.map((r) => [Number(r.ord), r.r]));
			if (byOrd.size !== items.length) throw new Error(`api_send_messages answered ${byOrd.size} of ${items.length} requests`);
			return items.map((_, i) => byOrd.get(i + 1)!);
		}
	});
}

/** The database side of /api/v1: key lookup, refusals for the audit spike, idempotent transactions, sends. */
export const createDbBackend = (database: Db, sends = sendBatcher(database)): ApiBackend => ({
	async authenticate(keyHash) {
		const [row] = await database.service<KeyRow[]>`select * from public.api_key_authenticate(${keyHash})`;
		return row
			? { keyId: row.key_id, organizationId: row.organization_id, scopes: row.scopes, rateLimitPerSecond: row.rate_limit_per_second }
			: null;
	},
	noteAuthFailure({ reason, prefix, ip }) {
		// Counted in SQL, which audits a burst of refusals once (not every one of them).
		database.service`select public.api_key_note_failure(${prefix}, ${reason}, ${ip}::inet)`
			.catch((err: unknown) => log.warn({ err, reason }, 'api/v1: could not record a refused key'));
	},
	async transact({ key, idempotencyKey, fingerprint }, run) {
		return database.asService(async (tx) => {
			if (idempotencyKey === null) return run(tx);
			// Takes a transaction lock on (workspace, key): a concurrent twin waits here and then
			// finds this request's committed answer.
			const [prior] = await tx<PriorRow[]>`
				select * from public.api_idempotency_claim(${key.organizationId}::uuid, ${idempotencyKey})`;
			if (prior) {
				if (prior.fingerprint !== fingerprint) {
					throw new ApiProblem(
						problem('idempotency_key_reused', 'This Idempotency-Key was already used with a different request (method, path or body); use a new key for a new request.')
					);
				}
				return { status: prior.response_status, body: prior.response_body, replayed: true };
			}
			const result: ApiResult = await run(tx);
			await tx`
				select public.api_idempotency_save(${key.organizationId}::uuid, ${key.keyId}::uuid, ${idempotencyKey},
					${fingerprint}, ${result.status}, ${result.body === undefined ? null : tx.json(result.body as never)}::jsonb)`;
			return result;
		});
	},
	sendMessage(args) {
		return sends.submit(args);
	},
	async sendBatch({ keyHash, keyPrefix, ip, items, idempotencyKey, fingerprint }) {
		const sql = database.service;
		const [{ r }] = await sql<{ r: SendOutcome }[]>`
			select public.api_send_batch(${keyHash}, ${keyPrefix}, ${ip}::inet, ${sql.json(items as never)}, ${idempotencyKey}, ${fingerprint}) as r`;
		return r;
	}
});

let instance: ApiBackend | undefined;
export const backend = (): ApiBackend => (instance ??= createDbBackend(db()));
