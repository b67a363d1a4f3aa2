import { ProviderError, type Accepted } from './errors.ts';
import type { ProviderId } from './port.ts';

/** The slice of WHATWG fetch the adapters use; inject a fake or an instrumented one in tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What both HTTP adapters are built with (one workspace's configuration of one provider). */
export interface HttpProviderConfig {
	baseUrl: string;
	apiKey: string;
	/** Default sender id or number. */
	sender: string;
	/** Default delivery-report URL. */
	callbackUrl?: string | null;
	fetch?: FetchLike;
	timeoutMs?: number;
}

export interface HttpAnswer {
	status: number;
	/** Parsed JSON body, or null when the body is empty or not JSON. */
	json: unknown;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Connection never opened: the request certainly did not reach the provider. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(error: unknown): string | null {
	const cause = error instanceof Error ? error.cause : undefined;
	if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
	return null;
}

/**
 * One JSON request with a timeout. Transport failures come back as ProviderError
 * (`provider_unavailable`, outage); any HTTP answer comes back as HttpAnswer for the adapter
 * to classify, because each provider spells its errors differently.
 */
export async function requestJson(options: {
	provider: ProviderId;
	fetch: FetchLike;
	timeoutMs: number;
	method: 'GET' | 'POST';
	url: string;
	headers: Record<string, string>;
	body?: unknown;
}): Promise<HttpAnswer | ProviderError> {
	const { provider, method } = options;
	const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
	if (options.body !== undefined) headers['Content-Type'] = 'application/json';
	let response: Response;
	try {
		response = await options.fetch(options.url, {
			method,
			headers,
			body: options.body === undefined ? undefined : JSON.stringify(options.body),
			signal: AbortSignal.timeout(options.timeoutMs),
			redirect: 'error'
		});
	} catch (error) {
		const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
		const code = timedOut ? 'timeout' : (causeCode(error) ?? 'network');
		// A GET changes nothing; a POST that may have left could have been accepted.
		const accepted: Accepted = method === 'GET' || NOT_CONNECTED.has(code) ? 'no' : 'unknown';
		return new ProviderError({
			provider,
			kind: 'provider_unavailable',
			reason: 'outage',
			accepted,
			code,
			httpStatus: null,
			message: timedOut
				? `${provider} did not answer within ${options.timeoutMs} ms`
				: `Could not reach ${provider}: ${error instanceof Error ? error.message : String(error)}`,
			cause: error
		});
	}
	const text = await response.text().catch(() => '');
	let json: unknown = null;
	if (text) {
		try {
			json = JSON.parse(text);
		} catch {
			json = null;
		}
	}
	return { status: response.status, json };
}

/**
 * The default meaning of an HTTP error status, for codes a provider's table does not name.
 * 500, 502 and 504 may come after the provider acted (as the Twilio path treats them);
 * other answers mean the request was refused before anything was created.
 */
export function classifyHttpStatus(options: {
	provider: ProviderId;
	status: number;
	method: 'GET' | 'POST';
	code: string | number | null;
	message: string;
}): ProviderError {
	const { provider, status, method, code, message } = options;
	const base = { provider, code, httpStatus: status, message };
	const ambiguous = method === 'POST' && (status === 500 || status === 502 || status === 504 || status === 408);
	if (status === 429) return new ProviderError({ ...base, kind: 'retry_later', accepted: 'no' });
	if (status === 401 || status === 402 || status === 403) {
		return new ProviderError({ ...base, kind: 'provider_unavailable', reason: 'misconfigured', accepted: 'no' });
	}
	if (status >= 500 || status === 408) {
		return new ProviderError({
			...base,
			kind: 'provider_unavailable',
			reason: 'outage',
			accepted: ambiguous ? 'unknown' : 'no'
		});
	}
	return new ProviderError({ ...base, kind: 'permanent', accepted: 'no' });
}

/** A 2xx answer whose body we cannot read: the text may well have been accepted. */
export function malformedAnswer(provider: ProviderId, status: number, method: 'GET' | 'POST'): ProviderError {
	return new ProviderError({
		provider,
		kind: 'provider_unavailable',
		reason: 'outage',
		accepted: method === 'POST' ? 'unknown' : 'no',
		code: 'malformed_response',
		httpStatus: status,
		message: `${provider} answered ${status} with a body we could not read`
	});
}

export function trimBaseUrl(baseUrl: string): string {
	return baseUrl.replace(/\/+$/, '');
}

/** Amounts arrive as numbers or strings, sometimes negative (charged); we keep a positive number. */
export function parsePrice(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
	return Number.isFinite(n) ? Math.abs(n) : null;
}

export function parseCount(value: unknown): number | null {
	const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
	return Number.isInteger(n) && n >= 0 ? n : null;
}
