/**
 * SvelteKit's built-in CSRF check is turned off (svelte.config.js) because Twilio posts
 * form-encoded webhooks with no Origin header. This is the same check, applied to every route
 * except the signed webhook routes, which prove their origin with X-Twilio-Signature instead.
 */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const SIGNED_WEBHOOKS = new Set(['/api/webhooks/twilio/status', '/api/webhooks/twilio/incoming']);

export function isCrossSiteFormPost(request: Request, url: URL): boolean {
	if (SIGNED_WEBHOOKS.has(url.pathname)) return false;
	if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) return false;
	const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (!FORM_TYPES.includes(type)) return false;
	return request.headers.get('origin') !== url.origin;
}
