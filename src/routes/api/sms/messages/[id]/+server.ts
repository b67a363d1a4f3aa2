import { json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { historyItem } from '$lib/server/history/service';
import type { RequestHandler } from './$types';

/** One of my texts with its timeline, plus the fresh summary line (used by live updates). */
export const GET: RequestHandler = async ({ locals, params }) => {
	if (!locals.claims) return json({ message: 'Sign in to see your texts.' }, { status: 401 });
	const found = await historyItem({ db: db(), claims: locals.claims }, params.id);
	if (!found) return json({ message: 'No such text.' }, { status: 404 });
	return json(found, { headers: { 'cache-control': 'private, no-store' } });
};
