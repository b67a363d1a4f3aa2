import { db } from '$lib/server/db';
import { deliveryLogMessage } from '$lib/server/console/delivery-log-api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) => deliveryLogMessage(db(), event.locals.claims, event.url, event.params.messageId);
