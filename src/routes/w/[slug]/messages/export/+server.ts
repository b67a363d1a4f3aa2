import { db } from '$lib/server/db';
import { csvDownload, exportFilters } from '$lib/server/console/csv-response';
import { parseMessageFilters } from '$lib/server/console/message-filters';
import { messagesCsv } from '$lib/server/console/message-export';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** The message list's filtered view as CSV (viewers may export, numbers cut to the last four; audited). */
export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = await viewerTimeZone(ctx);
	const filters = exportFilters(() => parseMessageFilters(event.url.searchParams, { timeZone, defaultCountry: ctx.organization.defaultCountry }));
	return csvDownload(event, ctx, {
		what: 'messages',
		stream: () => messagesCsv({ db: db(), claims: ctx.claims, organizationId: ctx.organization.id, filters, timeZone, showNumbers: ctx.can.operate })
	});
};
