import { config } from '$lib/server/config';
import { db } from '$lib/server/db';
import { MessageFilterError } from '$lib/server/console/message-filters';
import { loadOverview } from '$lib/server/console/overview';
import { parseOverviewRange } from '$lib/server/console/overview-range';
import { overviewView } from '$lib/server/console/overview-view';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

/** The workspace's home: the overview for a range of whole days in the viewer's zone. */
export const load: PageServerLoad = async (event) => {
	event.depends('console:overview');
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = await viewerTimeZone(ctx);
	const values = { range: event.url.searchParams.get('range') ?? '', from: event.url.searchParams.get('from') ?? '', to: event.url.searchParams.get('to') ?? '' };
	let range;
	let rangeError: string | null = null;
	try {
		range = parseOverviewRange(event.url.searchParams, timeZone);
	} catch (e) {
		if (!(e instanceof MessageFilterError)) throw e;
		// A range we cannot use is named beside the picker; the default range is shown meanwhile.
		rangeError = e.message;
		range = parseOverviewRange(new URLSearchParams(), timeZone);
	}
	const chosen = range;
	const overview = await db().asUser(ctx.claims, (tx) => loadOverview(tx, ctx.organization.id, chosen));
	return {
		timeZone,
		values,
		range: { kind: range.kind, firstDay: range.firstDay, lastDay: range.lastDay },
		rangeError,
		overview: overviewView(overview),
		currency: config().SMS_DEFAULT_PRICE_UNIT
	};
};
