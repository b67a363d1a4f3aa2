import { handleIncomingText } from '$lib/server/webhooks/incoming';
import { webhookContext, webhookRequest } from '$lib/server/webhooks/wiring';
import type { RequestHandler } from './$types';

/** Inbound texts (STOP/START/HELP …); answers TwiML. Signed; exempt from the CSRF hook. */
export const POST: RequestHandler = (event) => handleIncomingText(webhookContext(), webhookRequest(event));
