import { IMPORT_LIMITS, formatBytes } from '$lib/server/campaigns/import/limits';
import { readCappedBody } from './read-capped';

/**
 * adapter-node has one BODY_SIZE_LIMIT for every route, and it must be 51 MB for campaign CSVs.
 * This narrows it again: only the two campaign-upload doors take a large body; the /api/v1 and
 * provider-webhook routes read theirs through their own capped readers; every other route (form
 * actions, the console's JSON) takes at most `PAGE_BODY_MAX_BYTES`, declared up front. A body
 * without a declared length is refused on those routes: browsers always declare one, so only a
 * client streaming an unbounded body is turned away.
 */
export const PAGE_BODY_MAX_BYTES = 1024 * 1024;

export interface BodyRequest {
	method: string;
	pathname: string;
	routeId: string | null;
	/** The query string, for form actions (`?/upload`). */
	search: string;
	contentLength: string | null;
	transferEncoding: string | null;
}

export type BodyVerdict = { ok: true } | { ok: false; status: 411 | 413; message: string };

const LARGE_UPLOADS: readonly { routeId: string; action?: string }[] = [
	{ routeId: '/api/w/[slug]/campaigns/imports' },
	{ routeId: '/w/[slug]/campaigns/new', action: 'upload' }
];

/** Routes that cap their own body while reading it (chunked or not). */
const SELF_CAPPED_PREFIXES = ['/api/v1/', '/api/webhooks/'];

/** The action a form POST names (`?/upload` → `upload`), `null` for the default action. */
function actionOf(search: string): string | null {
	const query = search.startsWith('?') ? search.slice(1) : search;
	for (const part of query.split('&')) if (part.startsWith('/')) return decodeURIComponent(part.slice(1).split('=')[0] ?? '');
	return null;
}

export function maxBodyBytes(req: Pick<BodyRequest, 'pathname' | 'routeId' | 'search'>): number | 'self' {
	if (SELF_CAPPED_PREFIXES.some((p) => (req.pathname + '/').startsWith(p))) return 'self';
	const id = req.routeId;
	const action = actionOf(req.search);
	const large = LARGE_UPLOADS.some((u) => u.routeId === id && (u.action === undefined || u.action === action));
	// The CSV reader answers its own 413 for a file over the import limit; leave room for the multipart envelope.
	return large ? IMPORT_LIMITS.maxBytes + 1024 * 1024 : PAGE_BODY_MAX_BYTES;
}

export function checkBody(req: BodyRequest): BodyVerdict {
	if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return { ok: true };
	const max = maxBodyBytes(req);
	if (max === 'self') return { ok: true };
	if (req.contentLength === null) {
		if (req.transferEncoding === null) return { ok: true }; // no body at all
		return { ok: false, status: 411, message: 'Send this request with a Content-Length header.' };
	}
	const declared = Number(req.contentLength);
	if (!Number.isFinite(declared) || declared < 0) return { ok: false, status: 411, message: 'The Content-Length header is not a number of bytes.' };
	if (declared > max) return { ok: false, status: 413, message: `This form takes at most ${formatBytes(max)}; the request was ${formatBytes(declared)}.` };
	return { ok: true };
}

const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Reads and drops a refused body of modest size, so the client, still sending, reads the answer
 * instead of a reset connection. Larger ones are cut off: the connection closes.
 */
export async function drainRefused(request: Request, declared: number | null): Promise<void> {
	if (!request.body) return;
	if (declared === null || declared > DRAIN_MAX_BYTES) return void (await request.body.cancel().catch(() => {}));
	// The client went away, or sent more than it declared: nothing left to answer it with.
	await readCappedBody(request, DRAIN_MAX_BYTES).catch(() => null);
}

/** The refusal in the form its caller reads: problem JSON for APIs, an action result for enhanced forms, text otherwise. */
export function bodyRefusal(verdict: Extract<BodyVerdict, { ok: false }>, request: Request, pathname: string): Response {
	const code = verdict.status === 413 ? 'too_large' : 'length_required';
	if (pathname.startsWith('/api/')) return Response.json({ error: { code, message: verdict.message } }, { status: verdict.status });
	// SvelteKit's enhanced forms read `{ type: 'error', error }` (what a thrown error() in an action answers).
	if (request.headers.get('x-sveltekit-action') === 'true') return Response.json({ type: 'error', error: { message: verdict.message } }, { status: verdict.status });
	return new Response(verdict.message, { status: verdict.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
