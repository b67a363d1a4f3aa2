import type { Db } from '@sms/db';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import type { Scope } from '$lib/api/v1/operations';
import { problem } from '$lib/api/v1/problems';
import type { ApiBackend, ApiResult } from './handler.ts';
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

/** The database side of /api/v1: key lookup, refusals for the audit spike, idempotent transactions, sends. */
export const createDbBackend = (database: Db): ApiBackend => ({
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
	async sendMessage({ keyHash, keyPrefix, ip, message, idempotencyKey, fingerprint }) {
		const sql = database.service;
		const [{ r }] = await sql<{ r: SendOutcome }[]>`
			select public.api_send_message(${keyHash}, ${keyPrefix}, ${ip}::inet, ${sql.json(message as never)}, ${idempotencyKey}, ${fingerprint}) as r`;
		return r;
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
