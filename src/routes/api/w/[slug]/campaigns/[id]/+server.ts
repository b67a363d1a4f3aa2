import type { RequestHandler } from './$types';
import { campaignRoute, getCampaign } from '$lib/server/campaigns/api';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';

const deps = () => ({ db: db(), log });

/** The campaign and its live progress. */
export const GET: RequestHandler = campaignRoute('viewer', deps, (ws, event, d) => getCampaign(d, ws, event.params.id ?? ''));
