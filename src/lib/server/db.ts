import { createDb, type Db, type Sql } from '@sms/db';
import { config } from './config.ts';

let instance: Db | undefined;
let listener: Db | undefined;

// adapter-node emits this after the HTTP server stopped accepting requests: close the pools
// so the process can exit instead of waiting to be killed.
process.once('sveltekit:shutdown' as 'beforeExit', () => {
	void instance?.end();
	void listener?.end();
});

/** The web server's pool. Use `asUser` for anything done on behalf of a signed-in user. */
export function db(): Db {
	instance ??= createDb({ url: config().DATABASE_URL, max: 20, serviceMax: 20, applicationName: 'sms-web' });
	return instance;
}

/**
 * The connection for LISTEN. Supabase's transaction pooler cannot LISTEN, so a session
 * connection may be given separately in DATABASE_LISTEN_URL.
 */
export function listenSql(): Sql {
	const url = config().DATABASE_LISTEN_URL;
	if (!url) return db().sql;
	listener ??= createDb({ url, max: 1, applicationName: 'sms-web-listen' });
	return listener.sql;
}
