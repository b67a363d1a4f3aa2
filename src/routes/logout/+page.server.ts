import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { log } from '$lib/server/log';
import type { Actions, PageServerLoad } from './$types';

// Signing out changes state, so it is a POST only; a GET just goes home.
export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ cookies, locals }) => {
		if (locals.supabase) {
			const { error } = await locals.supabase.auth.signOut({ scope: 'local' });
			if (error) log.warn({ err: error }, 'supabase signOut failed');
		}
		cookies.delete(SESSION_COOKIE, { path: '/' });
		redirect(303, '/login?signedOut');
	}
};
