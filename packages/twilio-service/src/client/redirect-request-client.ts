import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient.js';

type RequestOptions<TData> = SdkRequestClient.RequestOptions<TData>;

export interface RedirectRequestClientOptions {
	/** Where requests go instead of https://*.twilio.com, e.g. http://127.0.0.1:4010 */
	baseUrl: string;
	/** Per-request timeout in milliseconds (SDK default 30 s). */
	timeout?: number;
	/** Sockets kept open to the target; the worker runs many sends at once. */
	maxSockets?: number;
}

const TWILIO_HOST = /^https:\/\/[a-z0-9.-]*\.?twilio\.com(?=\/|$)/i;

/**
 * An SDK `httpClient` that sends every https://<anything>.twilio.com/<path> request to
 * `<baseUrl>/<path>`, keeping method, auth, headers and body. This is how the real SDK
 * talks to the local sandbox: the SDK still builds Twilio's URLs, signs nothing differently
 * and parses the same JSON, so the code path is identical to production.
 */
export class RedirectRequestClient extends twilio.RequestClient {
	readonly baseUrl: string;

	constructor(options: RedirectRequestClientOptions) {
		super({ timeout: options.timeout, keepAlive: true });
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256 };
		// The parent only configures an https agent; the sandbox speaks plain http on loopback.
		this.axios.defaults.httpAgent = new http.Agent(agentOptions);
		if (this.baseUrl.startsWith('https:')) {
			this.axios.defaults.httpsAgent = new https.Agent(agentOptions);
		}
	}

	/** The URL a request to Twilio is rewritten to (exposed for tests and logs). */
	rewrite(uri: string): string {
		return TWILIO_HOST.test(uri) ? uri.replace(TWILIO_HOST, this.baseUrl) : uri;
	}

	override request<TData>(opts: RequestOptions<TData>) {
		return super.request<TData>({ ...opts, uri: this.rewrite(opts.uri) });
	}
}
