/**
 * sms-retail adapter. Its API is not public: this file speaks the shape the sandbox emulates
 * (README "Provider API assumptions"); adapting to the real API means changing this file only.
 *
 *   POST {base}/v1/messages   Authorization: Bearer {apiKey}, Idempotency-Key: {key}
 *        { to, from, text, callback_url, client_ref }  → 201 { id, status, parts, price, currency }
 *   GET  {base}/v1/messages/{id}                        → 200 message | 404
 *   GET  {base}/v1/messages?client_ref={key}            → 200 { messages: [message] }
 *   errors: { error: { code, message } }; `opted_out` means the recipient opted out (a STOP)
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


const PROVIDER = 'sms-retail';

const message = z.object({
	id: z.number().int(),
	status: z.string(),
	parts: z.unknown().optional(),
	price: z.unknown().optional(),
	currency: z.string().nullish(),
	error_code: z.union([z.string(), z.number()]).nullish(),
	error_message: z.string().nullish()
});
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const list = z.object({ messages: z.array(message) });

/** Codes that condemn our account rather than the text, whatever HTTP status came with them. */
const ACCOUNT_CODES = new Set(['unauthorized', 'forbidden', 'insufficient_funds', 'sender_not_allowed', 'account_suspended']);
const RETRY_CODES = new Set(['rate_limited', 'queue_full']);
/** The recipient opted out (replied STOP to this provider): the number's STOP is recorded. */
const OPTED_OUT = 'opted_out';

function toText(m: z.infer<typeof message>): ProviderText {
	return {
		reference: String(m.id),
		rawStatus: m.status,
		status: normalizeStatus(PROVIDER, m.status),
		segments: parseCount(m.parts),
		price: parsePrice(m.price),
		priceUnit: m.currency ?? null,
		errorCode: m.error_code === null || m.error_code === undefined ? null : String(m.error_code),
		errorMessage: m.error_message ?? null
	};
}

function failure(status: number, json: unknown, method: 'GET' | 'POST'): ProviderError {
	const parsed = errorBody.safeParse(json);
	const code = parsed.success ? parsed.data.error.code : status === 404 ? 'not_found' : null;
	const message = parsed.success ? parsed.data.error.message : `${PROVIDER} answered HTTP ${status}`;
	const base = { provider: PROVIDER, code, httpStatus: status, message } as const;
	if (code && ACCOUNT_CODES.has(code)) {
		return new ProviderError({ ...base, kind: 'provider_unavailable', reason: 'misconfigured', accepted: 'no' });
	}
	if (code && RETRY_CODES.has(code)) return new ProviderError({ ...base, kind: 'retry_later', accepted: 'no' });
	if (code === OPTED_OUT) return new ProviderError({ ...base, kind: 'permanent', accepted: 'no', recipientOptedOut: true });
	return classifyHttpStatus({ provider: PROVIDER, status, method, code, message });
}

export class SmsRetailProvider implements SmsProvider {
	readonly id = PROVIDER;
	private readonly base: string;
	private readonly fetch: FetchLike;
	private readonly timeoutMs: number;

	constructor(private readonly config: HttpProviderConfig) {
		if (!config.baseUrl || !config.apiKey) throw new ProviderConfigError('sms-retail needs a base URL and an API key');
		this.base = trimBaseUrl(config.baseUrl);
		this.fetch = config.fetch ?? fetch;
		this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	}

	async send(input: SendTextInput): Promise<ProviderResult<ProviderText>> {
		const answer = await this.request('POST', '/v1/messages', {
			headers: { 'Idempotency-Key': input.idempotencyKey },
			body: {
				to: input.to,
				from: input.from ?? this.config.sender,
				text: input.body,
				callback_url: input.callbackUrl ?? this.config.callbackUrl ?? null,
				client_ref: input.idempotencyKey
			}
		});
		if (answer instanceof ProviderError) return { ok: false, error: answer };
		if (answer.status !== 200 && answer.status !== 201) return { ok: false, error: failure(answer.status, answer.json, 'POST') };
		const parsed = message.safeParse(answer.json);
		if (!parsed.success) return { ok: false, error: malformedAnswer(PROVIDER, answer.status, 'POST') };
		return { ok: true, value: toText(parsed.data) };
	}

	async fetchStatus(reference: string): Promise<ProviderResult<ProviderText>> {
		if (!/^\d+$/.test(reference)) {
			return {
				ok: false,
				error: new ProviderError({
					provider: PROVIDER,
					kind: 'permanent',
					accepted: 'no',
					code: 'not_found',
					httpStatus: null,
					message: `${reference} is not an sms-retail message id`
				})
			};
		}
		const answer = await this.request('GET', `/v1/messages/${reference}`, {});
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
			if (found.error.code !== 'not_found') return found;
		}
		const answer = await this.request('GET', `/v1/messages?client_ref=${encodeURIComponent(input.idempotencyKey)}`, {});
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
			headers: { Authorization: `Bearer ${this.config.apiKey}`, ...extra.headers },
			body: extra.body
		});
	}
}
