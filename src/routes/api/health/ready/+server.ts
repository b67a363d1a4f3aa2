import { json } from '@sveltejs/kit';
import { readiness } from '$lib/server/operations/app';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/** Readiness: database, a live worker, provider credentials. 503 names the failing part. */
export const GET: RequestHandler = async () => {
	const result = await readiness()();
	if (!result.ok) log.warn({ failing: result.failing, checks: result.checks }, 'not ready');
	return json(
		{ status: result.ok ? 'ready' : 'unavailable', failing: result.failing, checks: result.checks },
		{ status: result.ok ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
