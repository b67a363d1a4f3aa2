import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { rejectedRowsFile } from '$lib/server/campaigns/pages/rejected';
import { db } from '$lib/server/db';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/**
 * Every row of an import that will not be texted, with the reason, as a CSV (members read;
 * viewers too). The cells are opened for operators and up; viewers get numbers as their last four.
 */
export const GET: RequestHandler = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	if (!z.uuid().safeParse(event.params.id).success) error(404, 'No such list.');
	const file = await db().asUser(ctx.claims, (tx) =>
		rejectedRowsFile(tx, { organizationId: ctx.organization.id, importId: event.params.id, showNumbers: ctx.can.operate })
	);
	if (!file) error(404, 'No such list in this workspace (it may have expired).');
	return new Response(file.csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${file.fileName}"`,
			'cache-control': 'private, no-store'
		}
	});
};
