import type { RequestHandler } from './$types';
import { CAMPAIGN_ACTIONS, CampaignApiError, campaignAction, campaignRoute, type CampaignAction } from '$lib/server/campaigns/api';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';

const deps = () => ({ db: db(), log });

/** POST …/start | pause | resume | cancel | retry. */
export const POST: RequestHandler = campaignRoute('operator', deps, (ws, event, d) => {
	const action = event.params.action ?? '';
	if (!(CAMPAIGN_ACTIONS as readonly string[]).includes(action)) {
		throw new CampaignApiError({ status: 404, code: 'not_found', message: `No action "${action}": use start, pause, resume, cancel or retry.` });
	}
	return campaignAction(d, ws, event.params.id ?? '', action as CampaignAction, event.request);
});
