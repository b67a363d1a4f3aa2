import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { HistoryParamsError, parseHistoryParams } from '$lib/server/history/params';
import { historyPage } from '$lib/server/history/service';
import type { RequestHandler } from './$types';

/** My texts, newest first: ?cursor=&limit=&verdict=&type= → { messages, nextCursor }. */
export const GET: RequestHandler = async ({ locals, url }) => {
	if (!locals.claims) return json({ message: 'Sign in to see your texts.' }, { status: 401 });
	let params;
	try {
		params = parseHistoryParams(url.searchParams);
	} catch (error) {
		if (error instanceof HistoryParamsError) return json({ message: error.message, code: error.code }, { status: 400 });
		throw error;
	}
	return json(await historyPage({ db: db(), claims: locals.claims }, params), {
		headers: { 'cache-control': 'private, no-store' }
	});
};
