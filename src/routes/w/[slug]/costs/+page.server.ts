import { db } from '$lib/server/db';
import { costRange, costReport, todayIn } from '$lib/server/campaigns/pages/costs';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = ctx.organization.defaultTimeZone;
	const range = costRange(event.url, todayIn(timeZone));
	const report = await db().asUser(ctx.claims, (tx) => costReport(tx, { organizationId: ctx.organization.id, timeZone, range }));
	return { report, timeZone };
};
