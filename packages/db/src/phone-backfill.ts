/**
 * The migration's Node step: numbers written in clear before the encryption migration are
 * encrypted here (the key never reaches Postgres), in batches, idempotently — a second run, or a
 * run after a crash half-way, finds only what is left. The migration that drops the clear
 * columns runs after this step and refuses if anything was left behind.
 */
import type { Sql } from './client.ts';
import { PhoneCipher } from './phone-crypto.ts';
import { SEALED_COLUMNS, SEALED_PAYLOADS, existingColumns, type SealedColumn, type SealedPayload } from './phone-columns.ts';
import { sealAuditJson } from './phone-audit.ts';
import { sealImportReport } from './phone-import-report.ts';
import { sealPayload } from './phone-payload.ts';
import { countClearPayloadRows, payloadReady, rewritePayloadRows } from './phone-payload-rows.ts';

export interface SealReport {
	table: string;
	rows: number;
}

const ident = (name: string) => name.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');

async function sealColumn(sql: Sql, cipher: PhoneCipher, c: SealedColumn, batchSize: number): Promise<number> {
	const have = await existingColumns(sql, c.table, [c.plain, c.enc, c.hash, c.last4, c.callingCode ?? null]);
	if (!have.has(c.plain) || !have.has(c.enc)) return 0;
	const t = ident(c.table);
	let total = 0;
	for (;;) {
		const done = await sql.begin(async (tx) => {
			const rows = await tx.unsafe<{ key: string; plain: string }[]>(
				`select ${ident(c.id)}::text as key, ${ident(c.plain)} as plain from ${t}
				  where ${ident(c.plain)} is not null order by ${ident(c.id)} limit ${batchSize} for update skip locked`
			);
			if (rows.length === 0) return 0;
			const sealed = rows.map((r) => cipher.seal(r.plain));
			const sets = [`${ident(c.enc)} = u.enc`, `${ident(c.plain)} = null`];
			if (c.hash && have.has(c.hash)) sets.push(`${ident(c.hash)} = u.hash`);
			if (c.last4 && have.has(c.last4)) sets.push(`${ident(c.last4)} = u.last4`);
			// SET sees the row as it was, so the clear value is still there to derive it from.
			if (c.callingCode && have.has(c.callingCode)) sets.push(`${ident(c.callingCode)} = public.e164_calling_code(t.${ident(c.plain)})`);
			await tx.unsafe(
				`update ${t} t set ${sets.join(', ')}
				   from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(id, enc, hash, last4)
				  where t.${ident(c.id)} = u.id::${c.idType}`,
				[rows.map((r) => r.key), sealed.map((s) => s.enc), sealed.map((s) => s.hash), sealed.map((s) => s.last4)]
			);
			return rows.length;
		});
		if (done === 0) return total;
		total += done;
	}
}

/** How each kind of document is sealed (phone-columns.ts SEALED_PAYLOADS). */
const SEALERS: Record<SealedPayload['kind'], (cipher: PhoneCipher, value: unknown) => unknown> = {
	provider_payload: sealPayload,
	audit: sealAuditJson,
	import_report: sealImportReport
};

async function sealPayloads(sql: Sql, cipher: PhoneCipher, p: SealedPayload, batchSize: number): Promise<number> {
	if (!(await payloadReady(sql, p))) return 0;
	const seal = SEALERS[p.kind];
	return rewritePayloadRows(sql, p, (_column, value) => seal(cipher, value), { batchSize, where: p.clear ? { sql: p.clear, params: [] } : undefined });
}

/**
 * Numbers still stored in clear, per table (the seal-phones migrations' precondition): the clear
 * columns, and the documents whose `clear` condition matches (the audit log once its door exists,
 * import reports in the old shape).
 */
export async function countClearPhones(sql: Sql, columns: readonly SealedColumn[] = SEALED_COLUMNS): Promise<SealReport[]> {
	const out: SealReport[] = [];
	for (const c of columns) {
		const have = await existingColumns(sql, c.table, [c.plain]);
		if (!have.has(c.plain)) continue;
		const [{ n }] = await sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${ident(c.table)} where ${ident(c.plain)} is not null`);
		if (Number(n) > 0) out.push({ table: c.table, rows: Number(n) });
	}
	for (const p of SEALED_PAYLOADS) {
		const n = await countClearPayloadRows(sql, p);
		if (n > 0) out.push({ table: `${p.table}.${p.columns.join('/')}`, rows: n });
	}
	return out;
}

/** Encrypts every number still stored in clear (columns, provider payloads, audit rows, import reports). */
export async function sealStoredPhones(
	sql: Sql,
	cipher: PhoneCipher,
	options: { batchSize?: number; columns?: readonly SealedColumn[] } = {}
): Promise<SealReport[]> {
	const batchSize = options.batchSize ?? 1000;
	const out: SealReport[] = [];
	for (const c of options.columns ?? SEALED_COLUMNS) {
		const rows = await sealColumn(sql, cipher, c, batchSize);
		if (rows > 0) out.push({ table: c.table, rows });
	}
	for (const p of SEALED_PAYLOADS) {
		const rows = await sealPayloads(sql, cipher, p, batchSize);
		if (rows > 0) out.push({ table: `${p.table}.${p.columns.join('/')}`, rows });
	}
	return out;
}
