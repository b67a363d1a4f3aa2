import { db } from '$lib/server/db';
import { costRange, costReport, todayIn } from '$lib/server/campaigns/pages/costs';
import { costReportCsv } from '$lib/server/campaigns/pages/costs-csv';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** The cost report of ?from=&to= as a CSV download. */
export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = ctx.organization.defaultTimeZone;
	const range = costRange(event.url, todayIn(timeZone));
	const report = await db().asUser(ctx.claims, (tx) => costReport(tx, { organizationId: ctx.organization.id, timeZone, range }));
	return new Response(costReportCsv(report), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${ctx.organization.slug}-costs-${range.from}-${range.to}.csv"`,
			'cache-control': 'private, no-store'
		}
	});
};
