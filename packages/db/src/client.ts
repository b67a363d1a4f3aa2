import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

/** Verified JWT claims, exactly as PostgREST would put them in `request.jwt.claims`. */
export interface Claims {
	sub: string;
	role?: 'authenticated' | 'anon';
	email?: string;
	[claim: string]: unknown;
}

export interface Db {
	/** The underlying pool, connected as the owner role (superuser locally, `postgres` on Supabase). */
	readonly sql: Sql;
	/** One transaction as the signed-in user: RLS applies exactly as it would through PostgREST. */
	asUser<T>(claims: Claims, fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
	/** One transaction as `anon` (signed out). */
	asAnon<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
	/** One transaction as `service_role`: for the worker and webhook handlers only. */
	asService<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T>;
	end(): Promise<void>;
}

export interface CreateDbOptions {
	url: string;
	/** Pool size. */
	max?: number;
	/** Name reported in pg_stat_activity. */
	applicationName?: string;
}

/** Runs `fn` in one transaction after `set local role` + claims, as PostgREST does. */
async function withRole<T>(
	sql: Sql,
	role: 'authenticated' | 'anon' | 'service_role',
	claims: Record<string, unknown>,
	fn: (tx: TransactionSql) => Promise<T>
): Promise<T> {
	const result = await sql.begin(async (tx) => {
		// Sent at once and pipelined with fn's first query (one round trip fewer per request).
		// postgres.js queues queries on the transaction's connection in call order, so this runs
		// first; if it failed, the transaction is aborted and fn's queries fail with it.
		const setup = tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`.execute();
		const [value] = await Promise.all([fn(tx), setup]);
		return value;
	});
	return result as T;
}

export function createDb(options: CreateDbOptions): Db {
	const sql = postgres(options.url, {
		max: options.max ?? 10,
		onnotice: () => {},
		// Fail fast while the database restarts (callers answer 503 and retry) instead of holding
		// requests for postgres.js's default 30 s.
		connect_timeout: 5,
		connection: { application_name: options.applicationName ?? 'sms-notify' }
	});
	return {
		sql,
		asUser(claims, fn) {
			const role = claims.role === 'anon' ? 'anon' : 'authenticated';
			return withRole(sql, role, { ...claims, role }, fn);
		},
		asAnon(fn) {
			return withRole(sql, 'anon', { role: 'anon' }, fn);
		},
		asService(fn) {
			return withRole(sql, 'service_role', { role: 'service_role' }, fn);
		},
		end: () => sql.end({ timeout: 5 })
	};
}
