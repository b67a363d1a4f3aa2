import { error, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { loginUrl } from '$lib/redirect';
import { HistoryParamsError, parseHistoryParams } from '$lib/server/history/params';
import { historyView } from '$lib/server/history/service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.claims) redirect(303, loginUrl(url));
	let params;
	try {
		params = parseHistoryParams(url.searchParams);
	} catch (e) {
		if (e instanceof HistoryParamsError) error(400, e.message);
		throw e;
	}
	const view = await historyView({ db: db(), claims: locals.claims }, params);
	return {
		...view,
		filters: { verdict: params.verdict, type: params.type },
		firstPage: params.cursor === null
	};
};
