import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { signWebhook } from './signing.ts';
import { checkAddress, checkWebhookUrl, WebhookUrlError, type WebhookNetworkMode } from './url-policy.ts';

type Resolver = (hostname: string, options: { all: true }, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for the socket: resolves the name once, refuses the request if ANY answer is not
 * allowed (a mixed answer is how DNS rebinding gets in), and hands the socket exactly the checked
 * addresses, so the connection goes where the check looked.
 */
export function pinnedLookup(mode: WebhookNetworkMode, resolve: Resolver = dnsLookup as Resolver): LookupFunction {
	return (hostname, options, callback) => {
		resolve(hostname, { all: true }, (err, addresses) => {
			if (err) return callback(err, '', 0);
			try {
				if (addresses.length === 0) throw new WebhookUrlError('unresolvable', `${hostname} has no address`);
				for (const a of addresses) checkAddress(a.address, mode);
			} catch (e) {
				return callback(e as NodeJS.ErrnoException, '', 0);
			}
			const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
			const list = wanted.length ? wanted : addresses;
			if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
			else callback(null, list[0].address, list[0].family);
		});
	};
}

export interface DeliveryRequest {
	url: string;
	secret: string;
	/** The event id: the same on every attempt. */
	eventId: string;
	payload: string;
	mode: WebhookNetworkMode;
	timeoutMs?: number;
	now?: Date;
	/** Injected in tests to pretend a name resolves somewhere. */
	resolve?: Resolver;
}

export interface DeliveryOutcome {
	ok: boolean;
	status?: number;
	latencyMs: number;
	/** The first bytes of the receiver's answer, for the attempts log. */
	excerpt: string;
	error?: string;
	/** The URL or its address is not allowed: retrying would not help. */
	refused?: boolean;
}

const EXCERPT_BYTES = 1024;

/** One signed POST. Never throws: every failure is an outcome to log and maybe retry. */
export async function deliverWebhook(req: DeliveryRequest): Promise<DeliveryOutcome> {
	const started = performance.now();
	const elapsed = () => Math.round(performance.now() - started);
	let url: URL;
	try {
		url = checkWebhookUrl(req.url, req.mode);
	} catch (e) {
		return { ok: false, refused: true, latencyMs: 0, excerpt: '', error: (e as Error).message };
	}
	const headers = {
		...signWebhook({ secret: req.secret, id: req.eventId, timestamp: req.now ?? new Date(), payload: req.payload }),
		'content-type': 'application/json',
		'user-agent': 'sms-notify-webhooks/1',
		'content-length': Buffer.byteLength(req.payload).toString()
	};
	const client = url.protocol === 'https:' ? https : http;
	return new Promise<DeliveryOutcome>((done) => {
		const request = client.request(
			url,
			{ method: 'POST', headers, agent: false, lookup: pinnedLookup(req.mode, req.resolve), timeout: req.timeoutMs ?? 10_000 },
			(res) => {
				const chunks: Buffer[] = [];
				let size = 0;
				res.on('data', (c: Buffer) => {
					if (size < EXCERPT_BYTES) chunks.push(c);
					size += c.length;
				});
				res.on('end', () => {
					const status = res.statusCode ?? 0;
					done({
						ok: status >= 200 && status < 300,
						status,
						latencyMs: elapsed(),
						excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8')
					});
				});
				res.on('error', (e) => done({ ok: false, status: res.statusCode, latencyMs: elapsed(), excerpt: '', error: e.message }));
			}
		);
		request.on('timeout', () => request.destroy(new Error(`no answer within ${req.timeoutMs ?? 10_000} ms`)));
		request.on('error', (e) => {
			const refused = e instanceof WebhookUrlError;
			done({ ok: false, refused, latencyMs: elapsed(), excerpt: '', error: e.message });
		});
		request.end(req.payload);
	});
}
