import { db } from '../db.ts';
import { config } from '../config.ts';

/**
 * Local mode only: finds or creates the auth.users row for an e-mail (Supabase Auth does this in
 * production) and grants the admin role to ADMIN_EMAILS. As service_role, through the SQL API.
 */
export async function findOrCreateLocalUser(email: string): Promise<string> {
	const normalized = email.trim().toLowerCase();
	const [row] = await db().service<{ id: string }[]>`
		select public.local_sign_in(${normalized}, ${config().ADMIN_EMAILS.includes(normalized)}) as id`;
	return row.id;
}

/** Admins come from user_roles in both modes. */
export async function isAdmin(userId: string): Promise<boolean> {
	const rows = await db().service`select 1 from public.user_roles where user_id = ${userId} and role = 'admin'`;
	return rows.length > 0;
}
