import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { openStreams } from '$lib/server/live';

/**
 * The web server's Prometheus metrics, in its own Registry (like the worker's), so tests and
 * several servers in one process never collide.
 */
export interface WebMetrics {
	registry: Registry;
	/** One HTTP request answered: call with the route id (never the raw path: unbounded labels). */
	observeRequest(input: { method: string; route: string | null; status: number; seconds: number }): void;
}

/** What a webhook's status code means for an operator. */
export function webhookOutcome(status: number): string {
	if (status >= 200 && status < 300) return 'accepted';
	if (status === 403) return 'rejected_signature';
	if (status === 503) return 'unavailable';
	if (status >= 500) return 'error';
	return 'malformed';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createWebMetrics(options: { defaultMetrics?: boolean; sseConnections?: () => number } = {}): WebMetrics {
	const registry = new Registry();
	if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'sms_web_' });
	const registers = [registry];
	const requests = new Counter({
		name: 'sms_web_http_requests_total',
		help: 'HTTP requests answered, by route and status',
		labelNames: ['method', 'route', 'status'],
		registers
	});
	const duration = new Histogram({
		name: 'sms_web_http_request_duration_seconds',
		help: 'Time to answer, by route',
		labelNames: ['route'],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
		registers
	});
	const webhooks = new Counter({
		name: 'sms_web_webhook_outcomes_total',
		help: 'Provider webhooks by route and outcome (accepted, rejected_signature, malformed, unavailable, error)',
		labelNames: ['route', 'outcome'],
		registers
	});
	const sseConnections = options.sseConnections;
	new Gauge({
		name: 'sms_web_sse_connections',
		help: 'Live-update (server-sent events) connections open now',
		registers,
		collect() {
			if (sseConnections) this.set(sseConnections());
		}
	});
	return {
		registry,
		observeRequest({ method, route, status, seconds }) {
			const r = route ?? 'unmatched';
			requests.inc({ method: METHODS.has(method) ? method : 'OTHER', route: r, status: String(status) });
			duration.observe({ route: r }, seconds);
			if (r.startsWith('/api/webhooks/')) webhooks.inc({ route: r, outcome: webhookOutcome(status) });
		}
	};
}

let instance: WebMetrics | undefined;

/** This server process's metrics. */
export function webMetrics(): WebMetrics {
	instance ??= createWebMetrics({ defaultMetrics: true, sseConnections: openStreams });
	return instance;
}
