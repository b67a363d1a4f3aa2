import { readFile } from 'node:fs/promises';
import type { Sql } from './client.ts';
import { loginRolesFile } from './paths.ts';

/** Serialises two starters provisioning the same cluster (roles are cluster-wide). */
const ROLES_LOCK = 7_263_419_002;

export interface LoginRolePasswords {
	/** Password of `sms_web`, the web server's login. */
	web: string;
	/** Password of `sms_worker`, the worker's login. */
	worker: string;
}

export const WEB_LOGIN = 'sms_web';
export const WORKER_LOGIN = 'sms_worker';

/**
 * Creates (or updates) the web server's and the worker's login roles on a database the owner
 * controls — local mode; on Supabase the same SQL is run by hand (README). Also takes the
 * database's TEMPORARY privilege from PUBLIC, so no API role can create even a temporary table
 * (SQL functions that need one run as the owner). Run as the owner, after `migrate`.
 */
export async function provisionLoginRoles(sql: Sql, passwords: LoginRolePasswords): Promise<void> {
	const statements = await readFile(loginRolesFile, 'utf8');
	await sql.begin(async (tx) => {
		await tx`select pg_advisory_xact_lock(${ROLES_LOCK})`;
		await tx.unsafe(statements);
		// Utility statements take no parameters: quote in SQL (format %L), never in TypeScript.
		await tx`select set_config('sms.web_password', ${passwords.web}, true), set_config('sms.worker_password', ${passwords.worker}, true)`;
		await tx.unsafe(`
			do $$
			begin
			  execute format('alter role sms_web login password %L', current_setting('sms.web_password'));
			  execute format('alter role sms_worker login password %L', current_setting('sms.worker_password'));
			  execute format('revoke temporary on database %I from public', current_database());
			end
			$$`);
	});
}

/** `url` with its user and password replaced (same host, port and database). */
export function urlForLogin(url: string, user: string, password: string): string {
	const u = new URL(url);
	u.username = encodeURIComponent(user);
	u.password = encodeURIComponent(password);
	return u.toString();
}
