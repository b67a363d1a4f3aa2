// Helpers shared by the sandbox's tests (outside src: not part of the package).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { RedirectRequestClient } from '@sms/twilio-service';
import { startSandbox, type Sandbox } from '../src/server.ts';
import type { SandboxOptions } from '../src/options.ts';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'sandbox-test-token';
export const VERIFY_SID = `VA${'b2'.repeat(16)}`;
export const MESSAGING_SID = `MG${'c3'.repeat(16)}`;
export const FROM = '+15005550006';

export function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
	return startSandbox({
		accountSid: ACCOUNT_SID,
		authToken: AUTH_TOKEN,
		verifyServiceSid: VERIFY_SID,
		callbackDelaysMs: { sent: 20, delivered: 40 },
		callbackRetry: { attempts: 3, baseDelayMs: 30, timeoutMs: 2_000 },
		...options
	});
}

/** The real SDK, pointed at the sandbox. */
export function sdkFor(sandbox: Sandbox, authToken = AUTH_TOKEN): twilio.Twilio {
	return twilio(ACCOUNT_SID, authToken, { httpClient: new RedirectRequestClient({ baseUrl: sandbox.url }) });
}

export interface ReceivedRequest {
	url: string;
	params: Record<string, string>;
	signature: string;
}

export interface Receiver {
	url: string;
	requests: ReceivedRequest[];
	/** Decides each answer; default 200 with empty TwiML. */
	respond: (request: ReceivedRequest, index: number) => { status: number; body?: string };
	close(): Promise<void>;
}

/** A local webhook receiver (plays the app) that records every form POST. */
export async function startReceiver(path = '/hook'): Promise<Receiver> {
	let origin = '';
	const receiver: Receiver = {
		url: '',
		requests: [],
		respond: () => ({ status: 200, body: '<Response></Response>' }),
		close: async () => {}
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
			const request = {
				url: `${origin}${req.url ?? ''}`,
				params,
				signature: String(req.headers['x-twilio-signature'] ?? '')
			};
			receiver.requests.push(request);
			const answer = receiver.respond(request, receiver.requests.length - 1);
			res.writeHead(answer.status, { 'Content-Type': 'text/xml' });
			res.end(answer.body ?? '');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	origin = `http://127.0.0.1:${port}`;
	receiver.url = `${origin}${path}`;
	receiver.close = () =>
		new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	return receiver;
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 3_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export async function control<T>(sandbox: Sandbox, path: string, body?: unknown): Promise<{ status: number; json: T }> {
	const res = await fetch(`${sandbox.url}/_sandbox/${path}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	return { status: res.status, json: (await res.json()) as T };
}

/** What the SDK throws for an error answer. */
export async function restError(call: Promise<unknown>): Promise<{ status: number; code?: number; message: string; moreInfo?: string }> {
	try {
		await call;
	} catch (error) {
		if (error instanceof twilio.RestException) return error;
		throw error;
	}
	throw new Error('expected the call to fail');
}
