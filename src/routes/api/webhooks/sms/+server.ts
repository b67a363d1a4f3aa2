import { providerWebhookContext, webhookRequest } from '$lib/server/webhooks/wiring';
import { handleProviderCallback } from '$lib/server/webhooks/provider-callback';
import type { RequestHandler } from './$types';

/** Delivery reports of the HTTP providers (sms-retail, 23telecom): JSON, signed their own ways. */
export const POST: RequestHandler = (event) => handleProviderCallback(providerWebhookContext(), webhookRequest(event));
