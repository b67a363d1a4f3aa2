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
import { SEALED_COLUMNS, SEALED_PAYLOADS, existingColumns } from './phone-columns.ts';
import { rotatePayload } from './phone-payload.ts';

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
		if (!(await existingColumns(sql, p.table, [p.column])).has(p.column)) continue;
		let rotated = 0;
		let after = '-1';
		// Sealed fields under another key: `"p1.` not followed by the current key id.
		const stale = `"p1\\.(?!${cipher.currentKeyId.replace(/[^A-Za-z0-9_-]/g, '')}\\.)`;
		for (;;) {
			const rows = await sql.unsafe<{ key: string; payload: unknown }[]>(
				`select ${ident(p.id)}::text as key, ${ident(p.column)} as payload from ${ident(p.table)}
				  where ${ident(p.id)} > $1::bigint and ${ident(p.column)}::text ~ $2
				  order by ${ident(p.id)} limit ${batchSize}`,
				[after, stale]
			);
			if (rows.length === 0) break;
			after = rows[rows.length - 1].key;
			const changed = rows.flatMap((r) => {
				const next = rotatePayload(cipher, r.payload);
				return next ? [{ id: r.key, before: JSON.stringify(r.payload), after: JSON.stringify(next) }] : [];
			});
			if (changed.length > 0) {
				await sql.unsafe(
					`update ${ident(p.table)} t set ${ident(p.column)} = u.after::jsonb
					   from unnest($1::bigint[], $2::text[], $3::text[]) as u(id, before, after)
					  where t.${ident(p.id)} = u.id and t.${ident(p.column)} = u.before::jsonb`,
					[changed.map((r) => r.id), changed.map((r) => r.before), changed.map((r) => r.after)]
				);
			}
			rotated += changed.length;
			options.onBatch?.({ table: `${p.table}.${p.column}`, rotated });
			if (options.pauseMs) await sleep(options.pauseMs);
		}
		out.push({ table: `${p.table}.${p.column}`, rotated });
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
		if (!(await existingColumns(sql, p.table, [p.column])).has(p.column)) continue;
		const stale = `"p1\\.(?!${cipher.currentKeyId.replace(/[^A-Za-z0-9_-]/g, '')}\\.)`;
		const [{ n }] = await sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${ident(p.table)} where ${ident(p.column)}::text ~ $1`, [stale]);
		total += Number(n);
	}
	return total;
}
