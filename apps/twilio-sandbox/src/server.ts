import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler, isApiPath } from './api-routes.ts';
import { createProviderApiHandler, isProviderApiPath } from './providers/routes.ts';
import { createControlHandler } from './control-routes.ts';
import { createDevPhoneHandler } from './dev-phone.ts';
import { BodyTooLargeError, sendJson } from './http-utils.ts';
import type { SandboxOptions } from './options.ts';
import { SandboxState } from './state.ts';
import { foreignRequestReason, sandboxHosts } from './request-guard.ts';

export interface Sandbox {
	/** Base URL, e.g. http://127.0.0.1:4010 — give it to RedirectRequestClient. */
	url: string;
	/** Where a browser reaches the dev phone (publicUrl, or url). */
	publicUrl: string;
	state: SandboxState;
	close(): Promise<void>;
}

/** Start a loopback Twilio-compatible server. Resolves once it is listening. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
	const state = new SandboxState(options);
	const api = createApiHandler(state);
	const providerApi = createProviderApiHandler(state.providers, () => state.faults);
	const control = createControlHandler(state);
	const devPhone = createDevPhoneHandler(state);
	let allowedHosts: Set<string> = new Set();

	const server = http.createServer((req, res) => {
		const raw = req.url ?? '/';
		const q = raw.indexOf('?');
		const path = q === -1 ? raw : raw.slice(0, q);
		const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
		const handle = async () => {
			if (isApiPath(path)) return api(req, res, path, query);
			// Like the Twilio API: protected by an API key, reached by the app, not by browsers.
			if (isProviderApiPath(path)) return providerApi(req, res, path, query);
			const foreign = foreignRequestReason(req, allowedHosts);
			if (foreign) return sendJson(res, 403, { error: foreign });
			if (path.startsWith('/_sandbox/')) return control(req, res, path, query);
			if (await devPhone(req, res, path)) return;
			sendJson(res, 404, { error: `not found: ${path}` });
		};
		handle().catch((error: unknown) => {
			options.onError?.(error);
			if (res.headersSent) {
				res.destroy();
				return;
			}
			const status = error instanceof BodyTooLargeError ? 413 : 500;
			sendJson(res, status, { code: status === 413 ? 20413 : 20500, message: String(error), status });
		});
	});
	// Keep-alive a little longer than typical client idle timeouts to avoid reset races.
	server.keepAliveTimeout = 65_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;
	const url = `http://127.0.0.1:${port}`;
	allowedHosts = sandboxHosts(port, options.publicUrl);

	return {
		url,
		publicUrl: options.publicUrl ?? url,
		state,
		close: () =>
			new Promise<void>((resolve, reject) => {
				state.close();
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			})
	};
}
