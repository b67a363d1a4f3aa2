import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

const TIMEOUT_MS = 2000;

/** Liveness + database reachability, for load balancers and `npm start`'s readiness wait. */
export const GET: RequestHandler = async () => {
	let database: 'ok' | 'unreachable' = 'ok';
	let timer: NodeJS.Timeout | undefined;
	try {
		await Promise.race([
			db().sql`select 1`,
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
			})
		]);
	} catch (err) {
		log.error({ err }, 'health check: database unreachable');
		database = 'unreachable';
	} finally {
		clearTimeout(timer);
	}
	return json(
		{ status: database === 'ok' ? 'ok' : 'unavailable', database },
		{ status: database === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
