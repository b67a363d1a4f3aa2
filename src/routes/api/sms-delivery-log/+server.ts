import { db } from '$lib/server/db';
import { deliveryLogList } from '$lib/server/console/delivery-log-api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) => deliveryLogList(db(), event.locals.claims, event.url);
