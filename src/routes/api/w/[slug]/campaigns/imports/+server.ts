import type { RequestHandler } from './$types';
import { campaignRoute, createImport } from '$lib/server/campaigns/api';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import { smsPricing } from '$lib/server/pricing/app';

const deps = () => ({ db: db(), log });

/** Multipart CSV + options → the validation report; the valid rows are kept as the import. */
export const POST: RequestHandler = campaignRoute(
	'operator',
	deps,
	(ws, event, d) => createImport({ db: d, prices: (countries) => smsPricing().pricesFor(countries) }, ws, event.request),
	201
);
