import { isIP } from 'node:net';
import type { Db } from '@sms/db';
import type { Logger } from 'pino';

/** What a webhook handler needs; the route wires it from config() and db(). */
export interface WebhookContext {
	db: Db;
	authToken: string;
	/** PUBLIC_BASE_URL: signatures are checked against this, never the proxied Host. */
	publicBaseUrl: string;
	log: Logger;
}

/** The parts of a SvelteKit RequestEvent a webhook uses. */
export interface WebhookRequest {
	request: Request;
	url: URL;
	/** getClientAddress(); null when the adapter cannot tell. */
	clientAddress: string | null;
}

/** A value Postgres accepts as inet, or null. */
export function senderIp(address: string | null): string | null {
	if (!address) return null;
	return isIP(address) ? address : null;
}
