import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { rejectedRowsCsv, type ImportReport } from '$lib/server/campaigns/import';
import { db } from '$lib/server/db';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** Every row of an import that will not be texted, with the reason, as a CSV (members read; viewers too). */
export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	if (!z.uuid().safeParse(event.params.id).success) error(404, 'No such list.');
	const [row] = await db().asUser(ctx.claims, (tx) => tx<{ report: Pick<ImportReport, 'columns' | 'rejected'>; file_name: string }[]>`
		select report, file_name from public.sms_campaign_imports where id = ${event.params.id} and organization_id = ${ctx.organization.id}`);
	if (!row) error(404, 'No such list in this workspace (it may have expired).');
	const name = row.file_name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'list';
	return new Response(rejectedRowsCsv({ columns: row.report.columns ?? [], rejected: row.report.rejected ?? [] }), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${name}-rejected.csv"`,
			'cache-control': 'private, no-store'
		}
	});
};
