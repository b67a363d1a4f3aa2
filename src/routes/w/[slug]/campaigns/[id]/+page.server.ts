import { error, fail, type RequestEvent } from '@sveltejs/kit';
import { CampaignApiError, fromDatabase, getCampaign } from '$lib/server/campaigns/api';
import { campaignCost, recentCampaignMessages } from '$lib/server/campaigns/pages/campaign-detail';
import { db } from '$lib/server/db';
import { clientIp, setRequestIp } from '$lib/server/workspaces/audit';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

const FILTERS = ['pending', 'scheduled', 'queued', 'sent', 'delivered', 'failed', 'undelivered', 'suppressed', 'canceled'];

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	event.depends('campaign:messages');
	let campaign;
	try {
		campaign = await getCampaign(db(), ctx, event.params.id);
	} catch (e) {
		if (e instanceof CampaignApiError && e.status === 404) error(404, 'No such campaign in this workspace');
		throw e;
	}
	const status = event.url.searchParams.get('status');
	const filter = status && FILTERS.includes(status) ? status : null;
	const [messages, cost] = await db().asUser(ctx.claims, (tx) =>
		Promise.all([recentCampaignMessages(tx, campaign.id, filter, { showNumbers: ctx.can.operate }), campaignCost(tx, campaign.id)])
	);
	return { campaign, messages, cost, filter, filters: FILTERS, refused: event.url.searchParams.get('refused'), timeZone: ctx.organization.defaultTimeZone };
};

type Call = 'start' | 'confirm' | 'pause' | 'resume' | 'cancel' | 'retry';

async function run(event: RequestEvent, action: Call) {
	const ctx = await requireWorkspace(event, 'operator');
	const id = event.params.id ?? '';
	const form = await event.request.formData();
	try {
		const result = await db().asUser(ctx.claims, async (tx) => {
			await setRequestIp(tx, clientIp(event.getClientAddress));
			switch (action) {
				case 'start':
				case 'confirm':
					return (await tx<{ r: unknown }[]>`select public.start_campaign(${id}, ${action === 'confirm'}) as r`)[0]?.r;
				case 'pause':
					await tx`select public.pause_campaign(${id}, ${String(form.get('reason') ?? '').trim() || null})`;
					return null;
				case 'resume':
					await tx`select public.resume_campaign(${id})`;
					return null;
				case 'cancel':
					await tx`select public.cancel_campaign(${id})`;
					return null;
				case 'retry':
					return (await tx<{ r: unknown }[]>`select public.retry_campaign_failures(${id}) as r`)[0]?.r;
			}
		});
		return { action, result };
	} catch (e) {
		const known = fromDatabase(e);
		if (!known) throw e;
		return fail(known.status, { action, code: known.code, errors: { form: known.message } });
	}
}

export const actions: Actions = {
	start: (event) => run(event, 'start'),
	confirm: (event) => run(event, 'confirm'),
	pause: (event) => run(event, 'pause'),
	resume: (event) => run(event, 'resume'),
	cancel: (event) => run(event, 'cancel'),
	retry: (event) => run(event, 'retry')
};
