import { error } from '@sveltejs/kit';
import { config } from '$lib/server/config';
import { mayScrape } from '$lib/server/operations/metrics-access';
import { webMetrics } from '$lib/server/operations/web-metrics';
import type { RequestHandler } from './$types';

/** Prometheus text: with METRICS_TOKEN, `Authorization: Bearer <token>`; without, loopback only. */
export const GET: RequestHandler = async ({ request, getClientAddress }) => {
	let clientAddress: string | null = null;
	try {
		clientAddress = getClientAddress();
	} catch {
		// Unknown address: refused unless a token is configured and given.
	}
	if (!mayScrape({ token: config().METRICS_TOKEN, authorization: request.headers.get('authorization'), clientAddress })) {
		error(403, 'Metrics need METRICS_TOKEN (Authorization: Bearer …) or a request from this host.');
	}
	const { registry } = webMetrics();
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
};
