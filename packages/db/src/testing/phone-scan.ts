/**
 * Looks for phone numbers stored in clear: every text-like column (text, varchar, char, json,
 * jsonb, and arrays of them) of every table in the application's schemas, for E.164-looking
 * values ("+" and 7-15 digits). Sealed values are base64url and never contain a "+".
 */
import type { Sql } from '../client.ts';

export const E164_LIKE = '\\+[1-9][0-9]{6,14}';

export interface ClearPhoneHit {
	column: string;
	rows: number;
	sample: string;
}

/** Data schemas (supabase_migrations holds the migrations' source text, examples included, not data). */
const SCHEMAS = ['public', 'internal', 'auth', 'graphile_worker'];

export interface ScanOptions {
	/** Columns (`schema.table.column`) not looked at. */
	ignore?: readonly string[];
	/** For jsonb columns: top-level keys not looked at (e.g. a copied sender number in an audit row). */
	ignoreKeys?: Readonly<Record<string, readonly string[]>>;
}

export async function scanForClearPhones(sql: Sql, options: ScanOptions = {}): Promise<ClearPhoneHit[]> {
	const columns = await sql<{ schema: string; table: string; column: string }[]>`
		select c.table_schema as schema, c.table_name as table, c.column_name as column
		  from information_schema.columns c
		  join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
		 where c.table_schema = any(${SCHEMAS}) and t.table_type = 'BASE TABLE'
		   and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
		        or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar', '_json', '_jsonb')))
		 order by 1, 2, 3`;
	const hits: ClearPhoneHit[] = [];
	for (const c of columns) {
		const name = `${c.schema}.${c.table}.${c.column}`;
		if (options.ignore?.includes(name)) continue;
		const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
		const keys = options.ignoreKeys?.[name] ?? [];
		const value = keys.length === 0
			? `${q(c.column)}::text`
			: `(case when jsonb_typeof(${q(c.column)}) = 'object' then ${q(c.column)} - $2::text[] else ${q(c.column)} end)::text`;
		const [row] = await sql.unsafe<{ n: string; sample: string | null }[]>(
			`select count(*)::text as n, (array_agg(substring(${value} from $1)))[1] as sample
			   from ${q(c.schema)}.${q(c.table)} where ${value} ~ $1`,
			keys.length === 0 ? [E164_LIKE] : [E164_LIKE, [...keys]]
		);
		if (Number(row.n) > 0) hits.push({ column: name, rows: Number(row.n), sample: row.sample ?? '' });
	}
	return hits;
}
