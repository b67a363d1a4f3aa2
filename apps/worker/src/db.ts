import postgres from 'postgres';
import { reconnectBackoff, type Sql } from '@sms/db';

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
 * service_role: locally `sms_worker` (packages/db/sql/login-roles.sql), which can be nothing else.
 */
export function createWorkerPool(options: WorkerPoolOptions): Sql {
	return postgres(options.url, {
		max: options.max ?? 10,
		onnotice: () => {},
		// While the database restarts, fail fast and try again rather than wait 30 s per attempt.
		connect_timeout: 5,
		// postgres.js's default waits up to 20 s between reconnects after a restart (see
		// reconnectBackoff); sending must resume within seconds of the database answering.
		backoff: reconnectBackoff,
		// Prepared statements are unsafe behind a transaction pooler; the session pooler is fine.
		prepare: true,
		connection: {
			application_name: options.applicationName ?? 'sms-worker',
			options: '-c role=service_role'
		} as Record<string, string>
	});
}
