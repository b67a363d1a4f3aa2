import { db } from '../db.ts';
import { config } from '../config.ts';

/**
 * Local mode only: finds or creates the auth.users row for an e-mail (Supabase Auth does this in
 * production) and grants the admin role to ADMIN_EMAILS.
 */
export async function findOrCreateLocalUser(email: string): Promise<string> {
	const normalized = email.trim().toLowerCase();
	const { sql } = db();
	const [user] = await sql<{ id: string }[]>`
		insert into auth.users (email, email_confirmed_at, last_sign_in_at)
		values (${normalized}, now(), now())
		on conflict (email) do update set last_sign_in_at = now()
		returning id`;
	if (config().ADMIN_EMAILS.includes(normalized)) {
		await sql`insert into public.user_roles (user_id, role) values (${user.id}, 'admin') on conflict do nothing`;
	}
	return user.id;
}

/** Admins come from user_roles in both modes. */
export async function isAdmin(userId: string): Promise<boolean> {
	const rows = await db().sql`select 1 from public.user_roles where user_id = ${userId} and role = 'admin'`;
	return rows.length > 0;
}
