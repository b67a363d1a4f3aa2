import { createDb, type Db } from '@sms/db';
import { config } from './config.ts';

let instance: Db | undefined;

/** The web server's pool. Use `asUser` for anything done on behalf of a signed-in user. */
export function db(): Db {
	instance ??= createDb({ url: config().DATABASE_URL, max: 20, applicationName: 'sms-web' });
	return instance;
}
