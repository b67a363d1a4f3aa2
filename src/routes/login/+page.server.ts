import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { config } from '$lib/server/config';
import { SESSION_COOKIE, SESSION_MAX_AGE, startSession } from '$lib/server/auth/session';
import { db } from '$lib/server/db';
import { findOrCreateLocalUser } from '$lib/server/auth/users';
import { log } from '$lib/server/log';
import { safeRedirectTarget } from '$lib/redirect';
import type { Actions, PageServerLoad } from './$types';

const emailSchema = z.object({
	email: z
		.string()
		.trim()
		.toLowerCase()
		.pipe(z.email({ message: 'Enter a valid e-mail address, like name@example.com.' }))
});
const codeSchema = emailSchema.extend({
	code: z
		.string()
		.trim()
		.regex(/^\d{6}$/, 'Enter the 6-digit code from the e-mail.')
});

export const load: PageServerLoad = ({ locals, url }) => {
	const redirectTo = safeRedirectTarget(url.searchParams.get('redirectTo'));
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo };
};

/** The caller's IP for the session record; null when the adapter cannot tell. */
function clientAddress(get: () => string): string | null {
	try {
		return get();
	} catch {
		return null;
	}
}

function target(form: FormData): string {
	return safeRedirectTarget(String(form.get('redirectTo') ?? ''));
}

export const actions: Actions = {
	/** Local mode: e-mail only, no password (config() refuses this mode in production unless allowed). */
	local: async ({ request, cookies, url, locals, getClientAddress }) => {
		if (locals.authMode !== 'local') return fail(400, { message: 'Local sign-in is not enabled.' });
		const form = await request.formData();
		const parsed = emailSchema.safeParse({ email: form.get('email') ?? '' });
		if (!parsed.success) {
			return fail(400, { email: String(form.get('email') ?? ''), errors: { email: parsed.error.issues[0].message } });
		}
		const email = parsed.data.email;
		const id = await findOrCreateLocalUser(email);
		// A new id at every sign-in; whatever session the browser carried ends (no fixation).
		const token = await startSession(db(), {
			userId: id,
			previous: cookies.get(SESSION_COOKIE),
			userAgent: request.headers.get('user-agent'),
			ip: clientAddress(getClientAddress)
		});
		cookies.set(SESSION_COOKIE, token, {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure: url.protocol === 'https:',
			maxAge: SESSION_MAX_AGE
		});
		log.info({ userId: id }, 'local sign-in');
		redirect(303, target(form));
	},

	/** Supabase mode, step 1: e-mail a one-time code. */
	sendCode: async ({ request, locals }) => {
		if (!locals.supabase) return fail(400, { message: 'E-mail sign-in is not enabled.' });
		const form = await request.formData();
		const parsed = emailSchema.safeParse({ email: form.get('email') ?? '' });
		if (!parsed.success) {
			return fail(400, { email: String(form.get('email') ?? ''), errors: { email: parsed.error.issues[0].message } });
		}
		const { error } = await locals.supabase.auth.signInWithOtp({
			email: parsed.data.email,
			options: { shouldCreateUser: true }
		});
		if (error) {
			log.warn({ err: error }, 'signInWithOtp failed');
			const status = error.status === 429 ? 429 : 400;
			return fail(status, {
				email: parsed.data.email,
				errors: {
					email:
						status === 429
							? 'Too many sign-in e-mails. Wait a minute and try again.'
							: 'We could not send a sign-in e-mail to that address.'
				}
			});
		}
		return { step: 'code' as const, email: parsed.data.email };
	},

	/** Supabase mode, step 2: check the 6-digit code; the session cookies are set by the client. */
	verifyCode: async ({ request, locals }) => {
		if (!locals.supabase) return fail(400, { message: 'E-mail sign-in is not enabled.' });
		const form = await request.formData();
		const parsed = codeSchema.safeParse({ email: form.get('email') ?? '', code: form.get('code') ?? '' });
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			return fail(400, {
				step: 'code' as const,
				email: String(form.get('email') ?? ''),
				errors: { [String(issue.path[0])]: issue.message }
			});
		}
		const { error } = await locals.supabase.auth.verifyOtp({
			email: parsed.data.email,
			token: parsed.data.code,
			type: 'email'
		});
		if (error) {
			return fail(400, {
				step: 'code' as const,
				email: parsed.data.email,
				errors: { code: 'That code is wrong or has expired. Check the latest e-mail, or send a new code.' }
			});
		}
		redirect(303, target(form));
	}
};
