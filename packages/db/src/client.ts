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
	/**
	 * The underlying pool, connected as the URL's login role: the owner for migrations and test
	 * fixtures; for the web server `sms_web`, which by itself may do nothing but `select 1`,
	 * LISTEN and become the roles below.
	 */
	readonly sql: Sql;
	/**
	 * A second pool (opened on first use) whose connections run as `service_role` from the start
	 * (`-c role=service_role`): one round trip per SQL API call, for server-side writes that are
	 * not on behalf of a user (status callbacks, receipts, local sign-in).
	 */
	readonly service: Sql;
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
	/** Size of the `service` pool. */
	serviceMax?: number;
}

/** A pool whose every connection runs as `role` (a startup parameter, so no extra round trip). */
export function createRolePool(options: { url: string; role: 'service_role'; max?: number; applicationName?: string }): Sql {
	return postgres(options.url, {
		max: options.max ?? 10,
		onnotice: () => {},
		connect_timeout: 5,
		backoff: reconnectBackoff,
		connection: {
			application_name: options.applicationName ?? 'sms-notify',
			options: `-c role=${options.role}`
		} as Record<string, string>
	});
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

/**
 * Seconds a pool connection waits before reconnecting after a failed attempt (postgres.js's
 * `backoff`). postgres.js counts failures for the whole pool (`options.shared.retries`) and
 * waits 3^n/100 s, up to 20 s: a 2 s restart fails a few dozen connection attempts, so the
 * first query after the database is back could sit 10–20 s in that wait with no error. Capped
 * at 1 s (with jitter), a pool of ten tries at most ~10 connects a second while it is down
 * and answers within about a second of it coming back.
 */
export function reconnectBackoff(retries: number): number {
	return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1);
}

export function createDb(options: CreateDbOptions): Db {
	const sql = postgres(options.url, {
		max: options.max ?? 10,
		onnotice: () => {},
		// Fail fast while the database restarts (callers answer 503 and retry) instead of holding
		// requests for postgres.js's default 30 s.
		connect_timeout: 5,
		backoff: reconnectBackoff,
		connection: { application_name: options.applicationName ?? 'sms-notify' }
	});
	let service: Sql | undefined;
	return {
		sql,
		get service() {
			service ??= createRolePool({
				url: options.url,
				role: 'service_role',
				max: options.serviceMax ?? 5,
				applicationName: `${options.applicationName ?? 'sms-notify'}-service`
			});
			return service;
		},
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
		end: async () => {
			await Promise.all([sql.end({ timeout: 5 }), service?.end({ timeout: 5 })]);
		}
	};
}
