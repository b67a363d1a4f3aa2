import postgres from 'postgres';
import type { Sql } from '@sms/db';

export interface WorkerPoolOptions {
	url: string;
	/** Connections for queries; the LISTEN connection is extra. */
	max?: number;
	applicationName?: string;
}

/**
 * The worker's pool. Every connection runs as `service_role` from the start (a startup
 * parameter), so each call to the SQL API is one round trip instead of the four a
 * `begin; set local role …; call; commit` would cost. The login role must be a member of
 * service_role (true for Supabase's `postgres` and for our local compat roles).
 */
export function createWorkerPool(options: WorkerPoolOptions): Sql {
	return postgres(options.url, {
		max: options.max ?? 10,
		onnotice: () => {},
		// While the database restarts, fail fast and try again rather than wait 30 s per attempt.
		connect_timeout: 5,
		// Prepared statements are unsafe behind a transaction pooler; the session pooler is fine.
		prepare: true,
		connection: {
			application_name: options.applicationName ?? 'sms-worker',
			options: '-c role=service_role'
		} as Record<string, string>
	});
}
