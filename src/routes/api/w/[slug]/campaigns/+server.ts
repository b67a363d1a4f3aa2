import type { RequestHandler } from './$types';
import { campaignRoute, createCampaign } from '$lib/server/campaigns/api';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';

const deps = () => ({ db: db(), log });

/** Creates a draft campaign from an import and a template or body: 201 { id }. */
export const POST: RequestHandler = campaignRoute('operator', deps, (ws, event, d) => createCampaign(d, ws, event.request), 201);
