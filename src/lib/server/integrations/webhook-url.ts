import { lookup } from 'node:dns/promises';
import { checkAddress, checkWebhookUrl, hostOf, WebhookUrlError, type WebhookNetworkMode } from '@sms/webhooks';
import { config } from '../config.ts';

/** The same rule as the worker's: loopback only with the local sandbox outside production. */
export function webhookNetworkMode(): WebhookNetworkMode {
	const c = config();
	return c.NODE_ENV !== 'production' && c.TWILIO_API_BASE_URL ? 'local' : 'production';
}

/**
 * Refuses a URL the worker would refuse (SSRF): scheme, credentials, port, and every address
 * the name resolves to now. The worker checks again, pinned, on every attempt.
 */
export async function checkEndpointUrl(input: string, mode: WebhookNetworkMode = webhookNetworkMode()): Promise<string | null> {
	try {
		const url = checkWebhookUrl(input.trim(), mode);
		const addresses = await lookup(hostOf(url), { all: true }).catch(() => {
			throw new WebhookUrlError('unresolvable', `${url.hostname} does not resolve; check the host name.`);
		});
		for (const a of addresses) checkAddress(a.address, mode);
		return null;
	} catch (e) {
		if (e instanceof WebhookUrlError) return e.message;
		throw e;
	}
}
