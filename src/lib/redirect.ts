/** Where signed-in users land when no (safe) destination was given. */
export const DEFAULT_AFTER_LOGIN = '/settings/sms';

/**
 * Accepts only same-site paths ("/history?x=1"), so a crafted `redirectTo` cannot send a
 * freshly signed-in user to another site ("//evil.example", "https://…", "/\\evil").
 */
export function safeRedirectTarget(input: string | null | undefined, fallback = DEFAULT_AFTER_LOGIN): string {
	if (!input || input.length > 2048) return fallback;
	if (!input.startsWith('/') || input.startsWith('//') || input.startsWith('/\\')) return fallback;
	if (/[\u0000-\u001f\\]/.test(input)) return fallback;
	try {
		const url = new URL(input, 'http://internal.invalid');
		if (url.origin !== 'http://internal.invalid') return fallback;
		if (url.pathname === '/login' || url.pathname === '/logout') return fallback;
		const target = `${url.pathname}${url.search}${url.hash}`;
		// Parsing collapses dot segments ("/.//evil.example" → "//evil.example"): check the
		// result, which is what the browser will follow, not only the raw input.
		if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
		if (new URL(target, 'http://internal.invalid').origin !== 'http://internal.invalid') return fallback;
		return target;
	} catch {
		return fallback;
	}
}

/** The sign-in URL that brings the user back to `url` afterwards. */
export function loginUrl(url: URL): string {
	const target = `${url.pathname}${url.search}`;
	return `/login?redirectTo=${encodeURIComponent(safeRedirectTarget(target, '/'))}`;
}
