import { error, json } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { smsStats } from '$lib/server/campaigns/pages/stats';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** Seed 004's GET /sms/stats for the workspace: totalSent, totalDelivered, totalFailed, monthlyStats. */
export const GET: RequestHandler = async (event) => {
	if (!event.locals.user) error(401, 'Sign in first: this needs your session.');
	const ctx = await requireWorkspace(event, 'viewer');
	const months = Number(event.url.searchParams.get('months') ?? '12');
	const stats = await db().asUser(ctx.claims, (tx) =>
		smsStats(tx, { organizationId: ctx.organization.id, timeZone: ctx.organization.defaultTimeZone, months: Number.isFinite(months) ? months : 12 })
	);
	return json(stats);
};
