import type { IncomingMessage, ServerResponse } from 'node:http';
import { roll } from './faults.ts';
import { readBody, sendJson } from './http-utils.ts';
import { listMessages } from './message-list.ts';
import { messageJson } from './message.ts';
import { messagingCountryJson } from './pricing.ts';
import type { SandboxState } from './state.ts';
import { TwilioApiError } from './twilio-error.ts';
import { verificationCheckJson, verificationJson } from './verify-service.ts';

const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const VERIFY = /^\/v2\/Services\/([^/]+)\/(Verifications|VerificationCheck)$/;
const PRICING = /^\/(v1|v2)\/Messaging\/Countries\/([A-Za-z]{2})$/;

const notFound = (path: string) =>
	new TwilioApiError({ code: 20404, status: 404, message: `The requested resource ${path} was not found` });

export function isApiPath(path: string): boolean {
	return path.startsWith('/2010-04-01/') || path.startsWith('/v1/') || path.startsWith('/v2/');
}

/** The Twilio REST subset: Basic auth, then injected faults, then the resource. */
export function createApiHandler(state: SandboxState) {
	const expectedAuth = `Basic ${Buffer.from(`${state.accountSid}:${state.authToken}`).toString('base64')}`;

	return async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
		try {
			const body = req.method === 'POST' ? await readBody(req) : '';
			if (req.headers.authorization !== expectedAuth) {
				res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
				throw new TwilioApiError({ code: 20003, status: 401, message: 'Authenticate' });
			}
			const { latencyMs, rate429, rate503 } = state.faults;
			if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
			if (roll(rate429)) throw new TwilioApiError({ code: 20429, status: 429, message: 'Too Many Requests' });
			if (roll(rate503)) throw new TwilioApiError({ code: 20503, status: 503, message: 'Service Unavailable' });

			const params = new URLSearchParams(body);
			route(state, req.method ?? 'GET', path, query, params, res);
		} catch (error) {
			if (error instanceof TwilioApiError) {
				sendJson(res, error.status, error.toBody());
				return;
			}
			throw error;
		}
	};
}

function route(
	state: SandboxState,
	method: string,
	path: string,
	query: URLSearchParams,
	form: URLSearchParams,
	res: ServerResponse
): void {
	let match = MESSAGES.exec(path);
	if (match) {
		if (match[1] !== state.accountSid) throw notFound(path);
		if (method === 'POST') {
			const created = messageJson(state.messaging.create(form));
			const delay = state.faults.answerDelayMs;
			if (delay > 0) setTimeout(() => !res.destroyed && sendJson(res, 201, created), delay).unref();
			else sendJson(res, 201, created);
			return;
		}
		if (method === 'GET') {
			sendJson(res, 200, listMessages({ store: state.store, accountSid: state.accountSid, params: query }));
			return;
		}
	}
	match = MESSAGE.exec(path);
	if (match && method === 'GET') {
		const message = match[1] === state.accountSid ? state.store.get(match[2] ?? '') : undefined;
		if (!message || message.kind === 'verification') throw notFound(path);
		sendJson(res, 200, messageJson(message));
		return;
	}
	match = VERIFY.exec(path);
	if (match && method === 'POST') {
		const [, serviceSid = '', resource] = match;
		if (resource === 'Verifications') {
			sendJson(res, 201, verificationJson(state.verify.start(serviceSid, form), state.accountSid));
		} else {
			sendJson(res, 200, verificationCheckJson(state.verify.check(serviceSid, form), state.accountSid));
		}
		return;
	}
	match = PRICING.exec(path);
	if (match && method === 'GET') {
		const country = messagingCountryJson(match[2] ?? '', match[1] === 'v2' ? 'v2' : 'v1');
		if (!country) throw notFound(path);
		sendJson(res, 200, country);
		return;
	}
	throw notFound(path);
}
