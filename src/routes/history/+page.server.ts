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
		// The parser's message names query parameters; a person followed a link, so say that.
		if (e instanceof HistoryParamsError) {
			error(400, {
				message: url.searchParams.get('cursor')
					? 'This link to an older page of your history is out of date. Start again from your newest texts.'
					: 'This link asks for a filter we do not recognise. Start again from all your texts.',
				code: e.code
			});
		}
		throw e;
	}
	const view = await historyView({ db: db(), claims: locals.claims }, params);
	return {
		...view,
		filters: { verdict: params.verdict, type: params.type },
		firstPage: params.cursor === null
	};
};
