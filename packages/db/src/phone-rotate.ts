/**
 * Key rotation (`npm run phones:rotate`): re-encrypts, under the current key, every stored
 * number written under another one — in small batches, each its own short transaction, while
 * the app keeps running. Each row is rewritten only if it still holds the value that was read
 * (compare-and-set), so a concurrent write (a new number, a deletion) is never undone; rows are
 * locked with SKIP LOCKED, so the rotation waits for nobody and nobody waits long for it.
 *
 * The blind index is not touched: it is keyed separately (PHONE_INDEX_KEY) and stays valid.
 * Once it reports nothing left, the old key can be removed from PHONE_ENCRYPTION_KEYS.
 */
import type { Sql } from './client.ts';
import { PhoneCipher } from './phone-crypto.ts';
import { SEALED_COLUMNS, SEALED_PAYLOADS, existingColumns, type SealedPayload } from './phone-columns.ts';
import { rotatePayload } from './phone-payload.ts';
import { payloadReady, rewritePayloadRows } from './phone-payload-rows.ts';

export interface RotationProgress {
	table: string;
	rotated: number;
}

export interface RotateOptions {
	batchSize?: number;
	/** Pause between batches, so a big rotation leaves room for the app's own writes. */
	pauseMs?: number;
	onBatch?: (p: RotationProgress) => void;
}

const ident = (name: string) => name.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A document holding a sealed value (`"p1.<key id>.…`) not under the current key. */
function staleDocument(p: SealedPayload, keyId: string): string {
	const stale = `"p1\\.(?!${keyId.replace(/[^A-Za-z0-9_-]/g, '')}\\.)`;
	return p.columns.map((c) => `t.${ident(c)}::text ~ '${stale}'`).join(' or ');
}

/** `p1.<key id>.…` not under the current key. */
function staleCondition(column: string, keyId: string): string {
	return `${ident(column)} is not null and split_part(${ident(column)}, '.', 2) <> '${keyId.replaceAll("'", "''")}'`;
}

export async function rotatePhoneKeys(sql: Sql, cipher: PhoneCipher, options: RotateOptions = {}): Promise<RotationProgress[]> {
	const batchSize = options.batchSize ?? 500;
	const out: RotationProgress[] = [];
	for (const c of SEALED_COLUMNS) {
		if (!(await existingColumns(sql, c.table, [c.enc])).has(c.enc)) continue;
		let rotated = 0;
		for (;;) {
			const n = await sql.begin(async (tx) => {
				const rows = await tx.unsafe<{ key: string; enc: string }[]>(
					`select ${ident(c.id)}::text as key, ${ident(c.enc)} as enc from ${ident(c.table)}
					  where ${staleCondition(c.enc, cipher.currentKeyId)}
					  limit ${batchSize} for update skip locked`
				);
				if (rows.length === 0) return 0;
				const fresh = rows.map((r) => cipher.encrypt(cipher.decrypt(r.enc)));
				await tx.unsafe(
					`update ${ident(c.table)} t set ${ident(c.enc)} = u.fresh
					   from unnest($1::text[], $2::text[], $3::text[]) as u(id, old, fresh)
					  where t.${ident(c.id)} = u.id::${c.idType} and t.${ident(c.enc)} = u.old`,
					[rows.map((r) => r.key), rows.map((r) => r.enc), fresh]
				);
				return rows.length;
			});
			if (n === 0) break;
			rotated += n;
			options.onBatch?.({ table: c.table, rotated });
			if (options.pauseMs) await sleep(options.pauseMs);
		}
		out.push({ table: c.table, rotated });
	}
	for (const p of SEALED_PAYLOADS) {
		if (!(await payloadReady(sql, p))) continue;
		const name = `${p.table}.${p.columns.join('/')}`;
		const rotated = await rewritePayloadRows(sql, p, (_column, value) => rotatePayload(cipher, value) ?? value, {
			batchSize,
			where: { sql: staleDocument(p, cipher.currentKeyId), params: [] },
			onBatch: async (n) => {
				options.onBatch?.({ table: name, rotated: n });
				if (options.pauseMs) await sleep(options.pauseMs);
			}
		});
		out.push({ table: name, rotated });
	}
	return out;
}

/** Values still under a key other than the current one (0 everywhere: the old key may go). */
export async function countStalePhones(sql: Sql, cipher: PhoneCipher): Promise<number> {
	let total = 0;
	for (const c of SEALED_COLUMNS) {
		if (!(await existingColumns(sql, c.table, [c.enc])).has(c.enc)) continue;
		const [{ n }] = await sql.unsafe<{ n: string }[]>(
			`select count(*)::text as n from ${ident(c.table)} where ${staleCondition(c.enc, cipher.currentKeyId)}`
		);
		total += Number(n);
	}
	for (const p of SEALED_PAYLOADS) {
		if (!(await payloadReady(sql, p))) continue;
		const [{ n }] = await sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${ident(p.table)} t where ${staleDocument(p, cipher.currentKeyId)}`);
		total += Number(n);
	}
	return total;
}
