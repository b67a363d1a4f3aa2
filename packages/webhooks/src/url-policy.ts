import { isIP } from 'node:net';
import { classifyAddress } from './addresses.ts';

/** `production`: public https only. `local`: loopback (and plain http) allowed too, for the examples. */
export type WebhookNetworkMode = 'production' | 'local';

export type UrlRefusalCode =
	| 'invalid_url'
	| 'scheme_not_allowed'
	| 'credentials_in_url'
	| 'address_not_allowed'
	| 'port_not_allowed'
	| 'unresolvable';

export class WebhookUrlError extends Error {
	readonly code: UrlRefusalCode;
	constructor(code: UrlRefusalCode, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'WebhookUrlError';
		this.code = code;
	}
}

/** `new URL` keeps IPv6 hosts in brackets. */
export function hostOf(url: URL): string {
	return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Checks what can be checked without DNS: the scheme, embedded credentials, the port and an IP
 * literal host. Names are checked again after resolution, for every request (see `pinnedLookup`).
 */
export function checkWebhookUrl(input: string, mode: WebhookNetworkMode): URL {
	let url: URL;
	try {
		url = new URL(input);
	} catch (cause) {
		throw new WebhookUrlError('invalid_url', `${JSON.stringify(input)} is not a URL`, { cause });
	}
	const allowed = mode === 'production' ? ['https:'] : ['https:', 'http:'];
	if (!allowed.includes(url.protocol)) {
		throw new WebhookUrlError(
			'scheme_not_allowed',
			mode === 'production' ? 'Webhook URLs must use https.' : 'Webhook URLs must use https or http.'
		);
	}
	if (url.username || url.password) {
		throw new WebhookUrlError('credentials_in_url', 'Put no user name or password in the webhook URL; verify our signature instead.');
	}
	if (mode === 'production' && url.port && url.port !== '443' && Number(url.port) < 1024) {
		throw new WebhookUrlError('port_not_allowed', `Port ${url.port} is not allowed for webhooks; use 443 or a port of 1024 or above.`);
	}
	const host = hostOf(url);
	if (isIP(host)) checkAddress(host, mode);
	else if (mode === 'production' && (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))) {
		throw new WebhookUrlError('address_not_allowed', `${host} is not a public host name.`);
	}
	return url;
}

/** Throws unless the address may be reached in this mode. */
export function checkAddress(address: string, mode: WebhookNetworkMode): void {
	const verdict = classifyAddress(address);
	if (verdict === 'public') return;
	if (verdict === 'loopback' && mode === 'local') return;
	throw new WebhookUrlError(
		'address_not_allowed',
		`${address} is a ${verdict === 'loopback' ? 'loopback' : 'private, link-local or reserved'} address; webhooks only go to public Internet addresses.`
	);
}
