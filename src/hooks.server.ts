import { randomUUID } from 'node:crypto';
import { type Handle, type HandleServerError } from '@sveltejs/kit';
import { log } from '$lib/server/log';
import { sequence } from '@sveltejs/kit/hooks';
import { config } from '$lib/server/config';
import { crossSiteRefusal, isApiV1Path, isCrossSiteRequest } from '$lib/server/csrf';
import { withSecurityHeaders } from '$lib/server/security-headers';
import { bodyRefusal, checkBody, drainRefused } from '$lib/server/http/body-limit';
import { resolveSession, SESSION_COOKIE } from '$lib/server/auth/session';
import { db } from '$lib/server/db';
import { isAdmin } from '$lib/server/auth/users';
import { supabaseClaims, supabaseFor } from '$lib/server/auth/supabase';
import { webMetrics } from '$lib/server/operations/web-metrics';

// Fail at start-up, naming the variable, rather than on the first request.
config();

// Every answer counted by route id (not the raw path, which would make unbounded labels).
const metrics: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	let status = 500;
	try {
		const response = await resolve(event);
		status = response.status;
		return response;
	} finally {
		webMetrics().observeRequest({ method: event.request.method, route: event.route.id, status, seconds: (performance.now() - started) / 1000 });
	}
};

const securityHeaders: Handle = async ({ event, resolve }) => withSecurityHeaders(await resolve(event));

const csrf: Handle = async ({ event, resolve }) => {
	if (isCrossSiteRequest(event.request, event.url)) {
		return crossSiteRefusal(event.request);
	}
	return resolve(event);
};

// Before anything reads the body: the adapter's limit is sized for campaign CSVs, not for forms.
const bodySize: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	const verdict = checkBody({
		method: request.method,
		pathname: url.pathname,
		routeId: event.route.id,
		search: url.search,
		contentLength: request.headers.get('content-length'),
		transferEncoding: request.headers.get('transfer-encoding')
	});
	if (verdict.ok) return resolve(event);
	const declared = Number(request.headers.get('content-length'));
	await drainRefused(request, Number.isFinite(declared) ? declared : null);
	return bodyRefusal(verdict, request, url.pathname);
};

const authenticate: Handle = async ({ event, resolve }) => {
	const c = config();
	event.locals.authMode = c.authMode;
	event.locals.user = null;
	event.locals.claims = null;
	let identity: { sub: string; email: string } | null = null;
	if (isApiV1Path(event.url.pathname)) {
		// API keys only (checked per operation): a session cookie grants nothing here.
	} else if (c.authMode === 'local') {
		identity = await resolveSession(db(), event.cookies.get(SESSION_COOKIE), { idleSeconds: c.SESSION_IDLE_MINUTES * 60 });
	} else if (!event.url.pathname.startsWith('/api/webhooks/')) {
		event.locals.supabase = supabaseFor(event.cookies);
		identity = await supabaseClaims(event.locals.supabase);
	}
	if (identity) {
		event.locals.claims = { sub: identity.sub, email: identity.email, role: 'authenticated', aud: 'authenticated' };
		event.locals.user = { id: identity.sub, email: identity.email, isAdmin: await isAdmin(identity.sub) };
	}
	return resolve(event, {
		filterSerializedResponseHeaders: (name) => name === 'content-range' || name === 'x-supabase-api-version'
	});
};

export const handle = sequence(metrics, securityHeaders, csrf, bodySize, authenticate);

/**
 * Unexpected errors: logged once through pino with an id the error page shows, so a person
 * reporting a problem can quote it and an operator can find the stack.
 */
export const handleError: HandleServerError = ({ error: caught, event, status, message }) => {
	// A missing page is the visitor's mistake, not ours: no stack, no reference.
	if (status === 404) return { message };
	const reference = randomUUID().slice(0, 8);
	log.error({ err: caught, reference, status, method: event.request.method, path: event.url.pathname }, message);
	return { message: 'Internal Error', reference };
};
