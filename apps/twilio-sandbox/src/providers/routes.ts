import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from '../faults.ts';
import { readBody, sendJson } from '../http-utils.ts';
import { ProviderApiError, type ProviderEmulator } from './emulator.ts';
import { isHttpProvider, type HttpProviderId } from './outcomes.ts';
import { textJson } from './reports.ts';

/** The two providers' REST APIs, as documented in the README ("Provider API assumptions"). */
const PATHS: Readonly<Record<HttpProviderId, { collection: string; item: RegExp }>> = {
	'sms-retail': { collection: '/sms-retail/v1/messages', item: /^\/sms-retail\/v1\/messages\/([^/]+)$/ },
	'23telecom': { collection: '/23telecom/api/v2/sms', item: /^\/23telecom\/api\/v2\/sms\/([^/]+)$/ }
};

/** How long a "timeout" provider holds a request before giving up itself. */
const HOLD_MS = 60_000;

export function isProviderApiPath(path: string): boolean {
	return path.startsWith('/sms-retail/') || path.startsWith('/23telecom/');
}

function sendError(res: ServerResponse, provider: HttpProviderId, error: ProviderApiError): void {
	const body =
		provider === 'sms-retail'
			? { error: { code: String(error.code), message: error.message } }
			: { errorCode: Number(error.code), errorMessage: error.message };
	sendJson(res, error.status, body);
}

const ERRORS = {
	unauthorized: (p: HttpProviderId) => new ProviderApiError(401, p === 'sms-retail' ? 'unauthorized' : 2001, 'Invalid API key.'),
	unavailable: (p: HttpProviderId) =>
		new ProviderApiError(503, p === 'sms-retail' ? 'service_unavailable' : 5003, 'Service temporarily unavailable.'),
	internal: (p: HttpProviderId) => new ProviderApiError(500, p === 'sms-retail' ? 'internal_error' : 5000, 'Internal error.'),
	notFound: (p: HttpProviderId) => new ProviderApiError(404, p === 'sms-retail' ? 'not_found' : 4004, 'No such message.'),
	badRequest: (p: HttpProviderId, message: string) =>
		new ProviderApiError(400, p === 'sms-retail' ? 'invalid_request' : 1000, message),
	noSender: (p: HttpProviderId) =>
		new ProviderApiError(403, p === 'sms-retail' ? 'sender_not_allowed' : 2003, 'A sender is required and must be registered.')
};

function holdUntilClosed(req: IncomingMessage, res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			if (!res.headersSent && !res.destroyed) sendJson(res, 504, { error: 'gateway timeout' });
			resolve();
		}, HOLD_MS);
		timer.unref();
		res.once('close', () => {
			clearTimeout(timer);
			resolve();
		});
		req.resume();
	});
}

function field(body: Record<string, unknown>, name: string): string {
	const value = body[name];
	return typeof value === 'string' ? value.trim() : '';
}

/** `faults().latencyMs` is added before every answer, as on the Twilio API (crash tests need calls in flight). */
export function createProviderApiHandler(emulators: Readonly<Record<HttpProviderId, ProviderEmulator>>, faults: () => Pick<Faults, 'latencyMs'> = () => ({ latencyMs: 0 })) {
	return async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
		const name = path.split('/')[1] ?? '';
		if (!isHttpProvider(name)) return sendJson(res, 404, { error: `not found: ${path}` });
		const provider = name;
		const emulator = emulators[provider];
		if (emulator.down === 'timeout') return holdUntilClosed(req, res);
		try {
			const raw = req.method === 'POST' ? await readBody(req) : '';
			const { latencyMs } = faults();
			if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
			if (emulator.down === '503') throw ERRORS.unavailable(provider);
			const key =
				provider === 'sms-retail'
					? (/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null)
					: (req.headers['x-api-key']?.toString() ?? null);
			if (emulator.down === 'auth' || !emulator.keyAccepted(key)) throw ERRORS.unauthorized(provider);
			route(emulator, provider, req.method ?? 'GET', path, query, raw, req, res);
		} catch (error) {
			if (error instanceof ProviderApiError) return sendError(res, provider, error);
			throw error;
		}
	};
}

function route(
	emulator: ProviderEmulator,
	provider: HttpProviderId,
	method: string,
	path: string,
	query: URLSearchParams,
	raw: string,
	req: IncomingMessage,
	res: ServerResponse
): void {
	const paths = PATHS[provider];
	if (path === paths.collection && method === 'POST') {
		let body: unknown;
		try {
			body = JSON.parse(raw);
		} catch {
			throw ERRORS.badRequest(provider, 'The body must be JSON.');
		}
		if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ERRORS.badRequest(provider, 'The body must be a JSON object.');
		const b = body as Record<string, unknown>;
		const retail = provider === 'sms-retail';
		const from = field(b, retail ? 'from' : 'source');
		if (!from) throw ERRORS.noSender(provider);
		const idempotencyKey = req.headers['idempotency-key']?.toString().trim() || field(b, 'client_ref') || null;
		const { text, repeated } = emulator.create({
			to: field(b, retail ? 'to' : 'destination'),
			from,
			body: typeof b[retail ? 'text' : 'content'] === 'string' ? (b[retail ? 'text' : 'content'] as string) : '',
			callbackUrl: field(b, retail ? 'callback_url' : 'dlr_url') || null,
			clientRef: idempotencyKey
		});
		if (emulator.down === '500-after-accept') throw ERRORS.internal(provider);
		sendJson(res, repeated ? 200 : retail ? 201 : 202, textJson(provider, text));
		return;
	}
	if (emulator.down === '500-after-accept') throw ERRORS.internal(provider);
	if (path === paths.collection && method === 'GET') {
		const ref = query.get('client_ref');
		if (!ref) throw ERRORS.badRequest(provider, 'client_ref is required.');
		const text = emulator.texts.byRef(ref);
		sendJson(res, 200, { messages: text ? [textJson(provider, text)] : [] });
		return;
	}
	const match = paths.item.exec(path);
	if (match && method === 'GET') {
		const text = emulator.texts.get(decodeURIComponent(match[1] ?? ''));
		if (!text) throw ERRORS.notFound(provider);
		sendJson(res, 200, textJson(provider, text));
		return;
	}
	throw ERRORS.notFound(provider);
}
