import { db } from '$lib/server/db';
import { campaignFilter, listCampaigns, CAMPAIGN_PAGE_SIZE, CAMPAIGN_STATUSES } from '$lib/server/campaigns/pages/list';
import { smsStats } from '$lib/server/campaigns/pages/stats';
import { listMembers } from '$lib/server/workspaces/members';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const filter = campaignFilter(event.url);
	return db().asUser(ctx.claims, async (tx) => {
		const members = await listMembers(tx, ctx.organization.id);
		const emails = new Map(members.map((m) => [m.userId, m.email]));
		return {
			filter,
			statuses: CAMPAIGN_STATUSES,
			pageSize: CAMPAIGN_PAGE_SIZE,
			list: await listCampaigns(tx, { organizationId: ctx.organization.id, filter, emails }),
			stats: await smsStats(tx, { organizationId: ctx.organization.id, timeZone: ctx.organization.defaultTimeZone }),
			timeZone: ctx.organization.defaultTimeZone
		};
	});
};
