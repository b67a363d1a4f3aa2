import { db } from '$lib/server/db';
import { csvDownload, exportFilters } from '$lib/server/console/csv-response';
import { parseDeliveryLogFilters } from '$lib/server/console/delivery-log-filters';
import { eventsCsv } from '$lib/server/console/event-export';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** The delivery log's filtered view (all pages) as CSV (viewers may export, numbers hidden; audited). */
export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = await viewerTimeZone(ctx);
	const filters = exportFilters(() => parseDeliveryLogFilters(event.url.searchParams, { timeZone, defaultCountry: ctx.organization.defaultCountry }));
	return csvDownload(event, ctx, {
		what: 'delivery-log',
		stream: () => eventsCsv({ db: db(), claims: ctx.claims, organizationId: ctx.organization.id, filters, timeZone, showNumbers: ctx.can.operate })
	});
};
