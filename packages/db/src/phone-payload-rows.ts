/**
 * Walks a table of JSON documents that carry numbers (SEALED_PAYLOADS) in id order, in batches,
 * and rewrites the rows a transform changes — for the migration's seal step (phone-backfill.ts)
 * and key rotation (phone-rotate.ts). Each write is compare-and-set on the values read, so a row
 * changed meanwhile (retention, forget_contact) is left to that change. The audit log is
 * rewritten only through internal.reseal_audit_phones (20261205100000): its rows are append-only.
 */
import type { Sql } from './client.ts';
import { existingColumns, type SealedPayload } from './phone-columns.ts';

const ident = (name: string) => name.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');

/** Returns the new value of one column, or the same value (compared as JSON) when nothing changes. */
export type PayloadTransform = (column: string, value: unknown) => unknown;

export interface RewriteOptions {
	batchSize: number;
	/** Extra SQL condition on `t` (e.g. "under another key"), with its parameters from $2 on. */
	where?: { sql: string; params: string[] };
	onBatch?: (rewritten: number) => void | Promise<void>;
}

/** Whether this database has the payload's columns and the functions it needs (the audit log's door…). */
export async function payloadReady(sql: Sql, p: SealedPayload): Promise<boolean> {
	const have = await existingColumns(sql, p.table, [...p.columns]);
	if (!p.columns.every((c) => have.has(c))) return false;
	if (!p.requires?.length) return true;
	const [{ ok }] = await sql<{ ok: boolean }[]>`select bool_and(to_regprocedure(f) is not null) as ok from unnest(${[...p.requires]}::text[]) f`;
	return ok;
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export async function rewritePayloadRows(sql: Sql, p: SealedPayload, transform: PayloadTransform, options: RewriteOptions): Promise<number> {
	const t = ident(p.table);
	const id = ident(p.id);
	const cols = p.columns.map(ident);
	let after = p.idType === 'uuid' ? '00000000-0000-0000-0000-000000000000' : '-1';
	let total = 0;
	for (;;) {
		const rows = await sql.unsafe<Record<string, unknown>[]>(
			`select t.${id}::text as "key", ${cols.map((c, i) => `t.${c} as "c${i}"`).join(', ')} from ${t} t
			  where t.${id} > $1::${p.idType} ${options.where ? `and (${options.where.sql})` : ''}
			  order by t.${id} limit ${options.batchSize}`,
			[after, ...(options.where?.params ?? [])]
		);
		if (rows.length === 0) return total;
		after = String(rows[rows.length - 1]!.key);
		const changed = rows.flatMap((r) => {
			const old = p.columns.map((_, i) => json(r[`c${i}`]));
			const next = p.columns.map((c, i) => json(transform(c, r[`c${i}`])));
			return next.some((n, i) => n !== old[i]) ? [{ id: String(r.key), old, next }] : [];
		});
		if (changed.length > 0) {
			if (p.write === 'audit_reseal') {
				const [before, afterCol] = p.columns;
				const payload = changed.map((c) => ({
					id: c.id,
					[`${before}_old`]: c.old[0] === null ? null : JSON.parse(c.old[0]!),
					[`${afterCol}_old`]: c.old[1] === null ? null : JSON.parse(c.old[1]!),
					[`${before}_new`]: c.next[0] === null ? null : JSON.parse(c.next[0]!),
					[`${afterCol}_new`]: c.next[1] === null ? null : JSON.parse(c.next[1]!)
				}));
				await sql`select internal.reseal_audit_phones(${sql.json(payload as never)})`;
			} else {
				const n = p.columns.length;
				const sets = cols.map((c, i) => `${c} = u.n${i}::jsonb`).join(', ');
				const same = cols.map((c, i) => `t.${c} is not distinct from u.o${i}::jsonb`).join(' and ');
				const fields = ['id', ...p.columns.flatMap((_, i) => [`o${i}`, `n${i}`])];
				const params = [changed.map((c) => c.id), ...p.columns.flatMap((_, i) => [changed.map((c) => c.old[i]!), changed.map((c) => c.next[i]!)])];
				await sql.unsafe(
					`update ${t} t set ${sets}
					   from unnest($1::${p.idType}[], ${Array.from({ length: 2 * n }, (_, k) => `$${k + 2}::text[]`).join(', ')}) as u(${fields.join(', ')})
					  where t.${id} = u.id and ${same}`,
					params
				);
			}
			total += changed.length;
		}
		await options.onBatch?.(total);
	}
}

/** Rows that still hold something in clear (the payload's `clear` condition); 0 when it has none. */
export async function countClearPayloadRows(sql: Sql, p: SealedPayload): Promise<number> {
	if (!p.clear || !(await payloadReady(sql, p))) return 0;
	const [{ n }] = await sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${ident(p.table)} t where ${p.clear}`);
	return Number(n);
}
