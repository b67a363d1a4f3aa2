import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthStatus {
	ok: boolean;
	database: 'ok' | 'unreachable';
	lastClaimAt: string | null;
	inFlight: number;
	stopping: boolean;
}

export interface HealthServerOptions {
	/** 0 = a free port. */
	port: number;
	host?: string;
	registry: Registry;
	health: () => Promise<HealthStatus>;
}

export interface HealthServer {
	port: number;
	url: string;
	close(): Promise<void>;
}

/** `/health` (JSON, 503 when the database is unreachable) and `/metrics` (Prometheus text). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
	const server = http.createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0];
		const reply = async () => {
			if (req.method !== 'GET') {
				res.writeHead(405, { allow: 'GET' }).end();
			} else if (path === '/health') {
				const status = await options.health();
				res.writeHead(status.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(status));
			} else if (path === '/metrics') {
				const body = await options.registry.metrics();
				res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
			} else {
				res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			}
		};
		reply().catch((error: unknown) => {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
			res.end(error instanceof Error ? error.message : 'error');
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		port,
		url: `http://${options.host ?? '127.0.0.1'}:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
