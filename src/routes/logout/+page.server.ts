import { redirect } from '@sveltejs/kit';
import { endAllSessions, endSession, SESSION_COOKIE } from '$lib/server/auth/session';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

// Signing out changes state, so it is a POST only; a GET just goes home.
export const load: PageServerLoad = () => redirect(303, '/');

async function signOut({ cookies, locals }: RequestEvent, everywhere: boolean): Promise<never> {
	if (locals.supabase) {
		// 'local' ends this session's refresh token; 'global' every session of the user.
		const { error } = await locals.supabase.auth.signOut({ scope: everywhere ? 'global' : 'local' });
		if (error) log.warn({ err: error }, 'supabase signOut failed');
	} else {
		// The session ends in the database, so a copy of the cookie is worthless from now on.
		await endSession(db(), cookies.get(SESSION_COOKIE));
		if (everywhere && locals.user) {
			const ended = await endAllSessions(db(), locals.user.id);
			log.info({ userId: locals.user.id, ended }, 'signed out everywhere');
		}
	}
	cookies.delete(SESSION_COOKIE, { path: '/' });
	redirect(303, everywhere ? '/login?signedOutEverywhere' : '/login?signedOut');
}

export const actions: Actions = {
	/** `scope=everywhere` ("Sign out everywhere"): every session of this account, on every device, ends. */
	default: async (event) => {
		const form = await event.request.formData().catch(() => null);
		return signOut(event, form?.get('scope') === 'everywhere');
	}
};
