import { mediaType } from '@sms/twilio-service/validate';

/**
 * SvelteKit's built-in CSRF check is turned off (svelte.config.js) because Twilio posts
 * form-encoded webhooks with no Origin header. This check replaces it for every route except
 * the signed webhook routes, which prove their origin with X-Twilio-Signature instead.
 *
 * It is stricter than SvelteKit's, which looks at form content types only: a cross-origin
 * `fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: blob })` sends
 * no Content-Type at all, needs no preflight, and would reach the JSON API with the cookie of
 * a same-site sibling origin. Browsers send Origin on every cross-origin state-changing
 * request, so a foreign Origin is refused whatever the body.
 */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const SIGNED_WEBHOOKS = new Set(['/api/webhooks/twilio/status', '/api/webhooks/twilio/incoming']);
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isCrossSiteRequest(request: Request, url: URL): boolean {
	if (SIGNED_WEBHOOKS.has(url.pathname)) return false;
	// /api/v1 authenticates with an API key in a header, never a cookie: nothing to forge.
	if (isApiV1Path(url.pathname)) return false;
	if (!UNSAFE_METHODS.has(request.method)) return false;
	const origin = request.headers.get('origin');
	if (origin !== null) return origin !== url.origin;
	// No Origin (old browsers, non-browser clients): refuse what a cross-site page could send,
	// as SvelteKit does. A Referer is not accepted instead — it is optional and often stripped.
	const type = mediaType(request.headers.get('content-type'));
	return type === '' || FORM_TYPES.includes(type);
}

/** The key-authenticated API: no cookies are read there, and keys are read nowhere else. */
export function isApiV1Path(pathname: string): boolean {
	return pathname === '/api/v1' || pathname.startsWith('/api/v1/');
}
