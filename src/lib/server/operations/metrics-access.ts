import { timingSafeEqual } from 'node:crypto';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may scrape /metrics: with METRICS_TOKEN set, a request carrying `Authorization: Bearer
 * <token>`; without it, loopback clients only (a scraper on the same host or a sidecar).
 */
export function mayScrape(input: { token: string | undefined; authorization: string | null; clientAddress: string | null }): boolean {
	if (input.token) {
		const m = /^Bearer (.+)$/.exec(input.authorization ?? '');
		if (!m) return false;
		const given = Buffer.from(m[1]!);
		const want = Buffer.from(input.token);
		return given.length === want.length && timingSafeEqual(given, want);
	}
	return input.clientAddress !== null && LOOPBACK.has(input.clientAddress);
}
