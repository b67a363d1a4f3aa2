import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';

export interface WebhookResult {
	status: number | null;
	body: string | null;
	error: string | null;
}

/**
 * POSTs form-encoded webhooks signed as Twilio signs them:
 * X-Twilio-Signature = base64(HMAC-SHA1(authToken, url + sorted key/value pairs)).
 * Owns its keep-alive agents so `close()` releases every socket.
 */
export class WebhookPoster {
	private readonly agents = {
		http: new http.Agent({ keepAlive: true, maxSockets: 128 }),
		https: new https.Agent({ keepAlive: true, maxSockets: 128 })
	};

	constructor(private readonly options: { authToken: string; timeoutMs: number }) {}

	/** Never throws: a refused connection or a timeout comes back as `error`. */
	post(request: {
		url: string;
		params: Record<string, string>;
		idempotencyToken?: string;
	}): Promise<WebhookResult> {
		const { url, params } = request;
		let target: URL;
		try {
			target = new URL(url);
		} catch {
			return Promise.resolve({ status: null, body: null, error: `invalid URL ${url}` });
		}
		const signature = twilio.getExpectedTwilioSignature(this.options.authToken, url, params);
		const payload = new URLSearchParams(params).toString();
		const secure = target.protocol === 'https:';
		const headers: Record<string, string | number> = {
			'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
			'Content-Length': Buffer.byteLength(payload),
			'User-Agent': 'TwilioProxy/1.1',
			'X-Twilio-Signature': signature
		};
		if (request.idempotencyToken) headers['I-Twilio-Idempotency-Token'] = request.idempotencyToken;
		const timeoutMs = this.options.timeoutMs;

		return new Promise((resolve) => {
			const req = (secure ? https : http).request(
				target,
				{ method: 'POST', agent: secure ? this.agents.https : this.agents.http, timeout: timeoutMs, headers },
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('end', () =>
						resolve({
							status: response.statusCode ?? null,
							body: Buffer.concat(chunks).toString('utf8'),
							error: null
						})
					);
					response.on('error', (error) => resolve({ status: null, body: null, error: error.message }));
				}
			);
			req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
			req.on('error', (error) => resolve({ status: null, body: null, error: error.message }));
			req.end(payload);
		});
	}

	close(): void {
		this.agents.http.destroy();
		this.agents.https.destroy();
	}
}
