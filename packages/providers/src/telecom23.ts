/**
 * 23telecom adapter. Its API is not public: this file speaks the shape the sandbox emulates
 * (README "Provider API assumptions"); adapting to the real API means changing this file only.
 *
 *   POST {base}/api/v2/sms   X-Api-Key: {apiKey}, Idempotency-Key: {key}
 *        { destination, source, content, dlr_url, client_ref }
 *        → 202 { messageId, status: "PENDING", num_parts, cost, currency }
 *   GET  {base}/api/v2/sms/{messageId}                  → 200 message | 404
 *   GET  {base}/api/v2/sms?client_ref={key}             → 200 { messages: [message] }
 *   errors: { errorCode: number, errorMessage: string }
 *     1001 invalid destination, 1002 destination blacklisted (opted out), 1003 content refused (text);
 *     2001 bad API key, 2002 no credit, 2003 source not allowed (account); 3001 throttled.
 */
import { z } from 'zod';
import { ProviderConfigError, ProviderError } from './errors.ts';
import {
	DEFAULT_TIMEOUT_MS,
	classifyHttpStatus,
	malformedAnswer,
	parseCount,
	parsePrice,
	requestJson,
	trimBaseUrl,
	type FetchLike,
	type HttpProviderConfig
} from './http.ts';
import { normalizeStatus } from './normalize.ts';
import type { FindDispatchedInput, ProviderResult, ProviderText, SendTextInput, SmsProvider } from './port.ts';

const PROVIDER = '23telecom';

const message = z.object({
	messageId: z.string().min(1),
	status: z.string(),
	num_parts: z.unknown().optional(),
	cost: z.unknown().optional(),
	currency: z.string().nullish(),
	error_code: z.union([z.string(), z.number()]).nullish(),
	error_text: z.string().nullish()
});
const errorBody = z.object({ errorCode: z.number().int(), errorMessage: z.string() });
const list = z.object({ messages: z.array(message) });

const PERMANENT_CODES = new Set([1001, 1002, 1003]);
const ACCOUNT_CODES = new Set([2001, 2002, 2003]);
const RETRY_CODES = new Set([3001]);
const NOT_FOUND = 4004;
/** "Destination blacklisted": the recipient opted out; the number's STOP is recorded. */
const OPTED_OUT = 1002;

function toText(m: z.infer<typeof message>): ProviderText {
	return {
		reference: m.messageId,
		rawStatus: m.status,
		status: normalizeStatus(PROVIDER, m.status),
		segments: parseCount(m.num_parts),
		price: parsePrice(m.cost),
		priceUnit: m.currency ?? null,
		errorCode: m.error_code === null || m.error_code === undefined ? null : String(m.error_code),
		errorMessage: m.error_text ?? null
	};
}

function failure(status: number, json: unknown, method: 'GET' | 'POST'): ProviderError {
	const parsed = errorBody.safeParse(json);
	const code = parsed.success ? parsed.data.errorCode : status === 404 ? NOT_FOUND : null;
	const message = parsed.success ? parsed.data.errorMessage : `${PROVIDER} answered HTTP ${status}`;
	const base = { provider: PROVIDER, code, httpStatus: status, message } as const;
	if (code !== null && ACCOUNT_CODES.has(code)) {
		return new ProviderError({ ...base, kind: 'provider_unavailable', reason: 'misconfigured', accepted: 'no' });
	}
	if (code !== null && RETRY_CODES.has(code)) return new ProviderError({ ...base, kind: 'retry_later', accepted: 'no' });
	if (code !== null && PERMANENT_CODES.has(code)) {
		return new ProviderError({ ...base, kind: 'permanent', accepted: 'no', recipientOptedOut: code === OPTED_OUT });
	}
	return classifyHttpStatus({ provider: PROVIDER, status, method, code, message });
}

export class Telecom23Provider implements SmsProvider {
	readonly id = PROVIDER;
	private readonly base: string;
	private readonly fetch: FetchLike;
	private readonly timeoutMs: number;

	constructor(private readonly config: HttpProviderConfig) {
		if (!config.baseUrl || !config.apiKey) throw new ProviderConfigError('23telecom needs a base URL and an API key');
		this.base = trimBaseUrl(config.baseUrl);
		this.fetch = config.fetch ?? fetch;
		this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	}

	async send(input: SendTextInput): Promise<ProviderResult<ProviderText>> {
		const answer = await this.request('POST', '/api/v2/sms', {
			headers: { 'Idempotency-Key': input.idempotencyKey },
			body: {
				destination: input.to,
				source: input.from ?? this.config.sender,
				content: input.body,
				dlr_url: input.callbackUrl ?? this.config.callbackUrl ?? null,
				client_ref: input.idempotencyKey
			}
		});
		if (answer instanceof ProviderError) return { ok: false, error: answer };
		if (answer.status < 200 || answer.status > 202) return { ok: false, error: failure(answer.status, answer.json, 'POST') };
		const parsed = message.safeParse(answer.json);
		if (!parsed.success) return { ok: false, error: malformedAnswer(PROVIDER, answer.status, 'POST') };
		return { ok: true, value: toText(parsed.data) };
	}

	async fetchStatus(reference: string): Promise<ProviderResult<ProviderText>> {
		const answer = await this.request('GET', `/api/v2/sms/${encodeURIComponent(reference)}`, {});
		if (answer instanceof ProviderError) return { ok: false, error: answer };
		if (answer.status !== 200) return { ok: false, error: failure(answer.status, answer.json, 'GET') };
		const parsed = message.safeParse(answer.json);
		if (!parsed.success) return { ok: false, error: malformedAnswer(PROVIDER, answer.status, 'GET') };
		return { ok: true, value: toText(parsed.data) };
	}

	async findDispatched(input: FindDispatchedInput): Promise<ProviderResult<ProviderText[]>> {
		if (input.reference) {
			const found = await this.fetchStatus(input.reference);
			if (found.ok) return { ok: true, value: [found.value] };
			if (found.error.code !== NOT_FOUND) return found;
		}
		const answer = await this.request('GET', `/api/v2/sms?client_ref=${encodeURIComponent(input.idempotencyKey)}`, {});
		if (answer instanceof ProviderError) return { ok: false, error: answer };
		if (answer.status !== 200) return { ok: false, error: failure(answer.status, answer.json, 'GET') };
		const parsed = list.safeParse(answer.json);
		if (!parsed.success) return { ok: false, error: malformedAnswer(PROVIDER, answer.status, 'GET') };
		return { ok: true, value: parsed.data.messages.map(toText) };
	}

	private request(method: 'GET' | 'POST', path: string, extra: { headers?: Record<string, string>; body?: unknown }) {
		return requestJson({
			provider: PROVIDER,
			fetch: this.fetch,
			timeoutMs: this.timeoutMs,
			method,
			url: `${this.base}${path}`,
			headers: { 'X-Api-Key': this.config.apiKey, ...extra.headers },
			body: extra.body
		});
	}
}
