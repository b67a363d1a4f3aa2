/**
 * Headers every response carries. No page of this app is meant to be framed: inside a hidden
 * frame on another site, "Opt out of all texts" or "Send me a test text" could be clicked blind
 * (clickjacking). X-Frame-Options covers older browsers; frame-ancestors is the current form.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	'x-frame-options': 'DENY',
	'content-security-policy': "frame-ancestors 'none'",
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'strict-origin-when-cross-origin'
};

/** Adds the headers unless the handler already chose its own; leaves immutable responses alone. */
export function withSecurityHeaders(response: Response): Response {
	try {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
			if (!response.headers.has(name)) response.headers.set(name, value);
		}
	} catch {
		// A Response whose headers are immutable (e.g. proxied from fetch) keeps its own.
	}
	return response;
}
