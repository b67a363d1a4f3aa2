import { config } from '$lib/server/config';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import type { RequestEvent } from '@sveltejs/kit';
import type { IncomingContext } from './incoming.ts';
import type { WebhookRequest } from './context.ts';
import type { ProviderWebhookContext } from './provider-callback.ts';

let context: IncomingContext | undefined;

/** The webhook context for this server process, from config() and the shared pool. */
export function webhookContext(): IncomingContext {
	if (context) return context;
	const c = config();
	context = {
		db: db(),
		authToken: c.TWILIO_AUTH_TOKEN,
		publicBaseUrl: c.PUBLIC_BASE_URL,
		keywordReplies: c.SMS_KEYWORD_REPLIES,
		helpText: c.SMS_HELP_TEXT,
		log: log.child({ component: 'webhooks' })
	};
	return context;
}

let providerContext: ProviderWebhookContext | undefined;

/** The context of POST /api/webhooks/sms (no Twilio credentials needed). */
export function providerWebhookContext(): ProviderWebhookContext {
	providerContext ??= { db: db(), log: log.child({ component: 'provider-webhooks' }) };
	return providerContext;
}

export function webhookRequest(event: RequestEvent): WebhookRequest {
	let clientAddress: string | null = null;
	try {
		clientAddress = event.getClientAddress();
	} catch {
		// Some adapters cannot tell; the sender IP is informational only.
	}
	return { request: event.request, url: event.url, clientAddress };
}
