/**
 * Where the worker may call an HTTP provider: https anywhere, plain http only on loopback
 * (local mode and tests). The database refuses other URLs when they are stored
 * (workspace_providers_base_url_check); the worker asks again right before each call, so a row
 * written around that check (a restore, a manual fix) still cannot point the worker at an
 * internal http service. Same rule as the SQL check; the parity test is
 * supabase/tests/provider-base-url-parity.test.ts.
 */
const SHAPE = /^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/[A-Za-z0-9._~/-]*)?$/;
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(\/|$)/;

export type BaseUrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function checkProviderBaseUrl(raw: string | null | undefined): BaseUrlVerdict {
	if (!raw) return { ok: false, reason: 'no base URL is configured' };
	if (raw.length > 500) return { ok: false, reason: 'the base URL is longer than 500 characters' };
	if (!SHAPE.test(raw)) return { ok: false, reason: 'the base URL is not a plain http(s) URL (no user, query or fragment)' };
	if (!raw.startsWith('https://') && !LOOPBACK_HTTP.test(raw)) {
		return { ok: false, reason: 'the base URL must use https (plain http only on 127.0.0.1, localhost or [::1])' };
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return { ok: false, reason: 'the base URL cannot be parsed' };
	}
	return { ok: true, url };
}
