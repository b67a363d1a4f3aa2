import type { IncomingMessage } from 'node:http';

/**
 * The dev phone and the control API have no credentials (they are a developer's tool on
 * loopback), so a web page the developer visits must not be able to drive them: requests must
 * name this server in Host (no DNS rebinding) and state-changing ones must not come from
 * another site's Origin. The Twilio-shaped API is protected by Basic auth instead.
 */
export function foreignRequestReason(req: IncomingMessage, allowedHosts: ReadonlySet<string>): string | null {
	const host = (req.headers.host ?? '').toLowerCase();
	if (!allowedHosts.has(host)) return `Host ${host || '(none)'} is not this sandbox`;
	if (req.method === 'GET' || req.method === 'HEAD') return null;
	const origin = req.headers.origin;
	if (origin === undefined) return null; // not a browser, or a same-origin form in old browsers
	try {
		if (allowedHosts.has(new URL(origin).host.toLowerCase())) return null;
	} catch {
		// an unparsable Origin ("null" from sandboxed frames) is foreign
	}
	return `requests from ${origin} are not allowed`;
}

/** Host headers that name this server. */
export function sandboxHosts(port: number, publicUrl?: string): Set<string> {
	const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
	if (publicUrl) hosts.add(new URL(publicUrl).host.toLowerCase());
	return hosts;
}
