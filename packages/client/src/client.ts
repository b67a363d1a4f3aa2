import type {
	BatchResponse, Contact, ListMessagesQuery, Message, MessageAccepted, MessageList, Problem, PutContactRequest, SendMessageRequest
} from './types.ts';

/** Every endpoint the client calls (checked against the OpenAPI document in contract.test.ts). */
export const ENDPOINTS = {
	sendMessage: { method: 'POST', path: '/messages' },
	sendBatch: { method: 'POST', path: '/messages/batch' },
	listMessages: { method: 'GET', path: '/messages' },
	getMessage: { method: 'GET', path: '/messages/{id}' },
	cancelMessage: { method: 'POST', path: '/messages/{id}/cancel' },
	putContact: { method: 'PUT', path: '/contacts/{externalId}' },
	deleteContact: { method: 'DELETE', path: '/contacts/{externalId}' }
} as const;
type EndpointId = keyof typeof ENDPOINTS;

/** A problem+json answer (or a network failure, with status 0). */
export class SmsApiError extends Error {
	readonly status: number;
	readonly problem: Problem;
	/** The request field at fault, when the server named one. */
	readonly field: string | undefined;
	constructor(problem: Problem, options?: { cause?: unknown }) {
		super(`${problem.title}: ${problem.detail}`, options);
		this.name = 'SmsApiError';
		this.status = problem.status;
		this.problem = problem;
		this.field = problem.field;
	}
}

export interface SmsClientOptions {
	apiKey: string;
	/** The app's origin, e.g. https://sms.example.com (the client adds /api/v1). */
	baseUrl: string;
	/** Another fetch (tests, proxies); the global one by default. */
	fetch?: typeof fetch;
	/** Retries of 429, 5xx and network failures, with the same Idempotency-Key. Default 2. */
	retries?: number;
	timeoutMs?: number;
}

export interface SendOptions {
	/** Defaults to a random key per call, so the client's own retries never send twice. */
	idempotencyKey?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small typed client for /api/v1: fetch only, so it runs on Node 20+, Deno, Bun and edge runtimes. */
export class SmsClient {
	private readonly base: string;
	private readonly doFetch: typeof fetch;
	private readonly retries: number;
	private readonly timeoutMs: number;

	constructor(private readonly options: SmsClientOptions) {
		this.base = `${options.baseUrl.replace(/\/$/, '')}/api/v1`;
		this.doFetch = options.fetch ?? ((...a) => fetch(...a));
		this.retries = options.retries ?? 2;
		this.timeoutMs = options.timeoutMs ?? 15_000;
	}

	readonly messages = {
		send: (req: SendMessageRequest, o: SendOptions = {}) =>
			this.call<MessageAccepted>('sendMessage', {}, { body: req, idempotencyKey: o.idempotencyKey ?? crypto.randomUUID() }),
		sendBatch: (messages: SendMessageRequest[], o: SendOptions = {}) =>
			this.call<BatchResponse>('sendBatch', {}, { body: { messages }, idempotencyKey: o.idempotencyKey ?? crypto.randomUUID() }),
		get: (id: string) => this.call<Message>('getMessage', { id }),
		list: (q: ListMessagesQuery = {}) => this.call<MessageList>('listMessages', {}, { query: q }),
		/** Every page, lazily. */
		listAll: async function* (this: SmsClient, q: Omit<ListMessagesQuery, 'cursor'> = {}) {
			let cursor: string | undefined;
			do {
				const page: MessageList = await this.messages.list({ ...q, cursor });
				yield* page.data;
				cursor = page.nextCursor ?? undefined;
			} while (cursor);
		}.bind(this),
		cancel: (id: string) => this.call<Message>('cancelMessage', { id })
	};

	readonly contacts = {
		put: (externalId: string, req: PutContactRequest) => this.call<Contact>('putContact', { externalId }, { body: req }),
		delete: (externalId: string) => this.call<void>('deleteContact', { externalId })
	};

	private url(id: EndpointId, params: Record<string, string>, query?: ListMessagesQuery): string {
		const path = ENDPOINTS[id].path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? ''));
		const qs = new URLSearchParams();
		for (const [k, v] of Object.entries(query ?? {})) {
			if (v === undefined) continue;
			if (k === 'metadata') for (const [mk, mv] of Object.entries(v as Record<string, string>)) qs.append(`metadata[${mk}]`, mv);
			else qs.append(k, String(v));
		}
		const s = qs.toString();
		return `${this.base}${path}${s ? `?${s}` : ''}`;
	}

	private async call<T>(id: EndpointId, params: Record<string, string>, o: { body?: unknown; query?: ListMessagesQuery; idempotencyKey?: string } = {}): Promise<T> {
		const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
		if (o.body !== undefined) headers['content-type'] = 'application/json';
		if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
		const init = { method: ENDPOINTS[id].method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) };
		const url = this.url(id, params, o.query);
		// Only requests that are safe to repeat are retried: reads, and writes with an idempotency key.
		const retryable = init.method === 'GET' || init.method === 'PUT' || init.method === 'DELETE' || Boolean(o.idempotencyKey);
		for (let attempt = 0; ; attempt++) {
			let res: Response;
			try {
				res = await this.doFetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
			} catch (cause) {
				if (retryable && attempt < this.retries) {
					await sleep(250 * 2 ** attempt);
					continue;
				}
				throw new SmsApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: (cause as Error).message }, { cause });
			}
			if ((res.status === 429 || res.status >= 500) && retryable && attempt < this.retries) {
				const after = Number(res.headers.get('retry-after'));
				await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : 250 * 2 ** attempt);
				continue;
			}
			if (res.status === 204) return undefined as T;
			const text = await res.text();
			const parsed: unknown = text ? JSON.parse(text) : undefined;
			if (!res.ok) {
				const p = (parsed ?? {}) as Partial<Problem>;
				throw new SmsApiError({ type: p.type ?? 'about:blank', title: p.title ?? res.statusText, status: res.status, detail: p.detail ?? text, field: p.field, errors: p.errors });
			}
			return parsed as T;
		}
	}
}
