import { handleStatusCallback } from '$lib/server/webhooks/status-callback';
import { webhookContext, webhookRequest } from '$lib/server/webhooks/wiring';
import type { RequestHandler } from './$types';

/** Twilio status callbacks: signed, form-encoded, no Origin (exempt from the CSRF hook). */
export const POST: RequestHandler = (event) => handleStatusCallback(webhookContext(), webhookRequest(event));
