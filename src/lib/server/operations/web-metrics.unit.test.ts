import { describe, expect, it } from 'vitest';
import { mayScrape } from './metrics-access.ts';
import { createWebMetrics, webhookOutcome } from './web-metrics.ts';

describe('web metrics', () => {
	it('counts requests by route id and status, and webhook outcomes by meaning', async () => {
		let streams = 2;
		const m = createWebMetrics({ sseConnections: () => streams });
		m.observeRequest({ method: 'GET', route: '/w/[slug]/health', status: 200, seconds: 0.01 });
		m.observeRequest({ method: 'POST', route: '/api/webhooks/twilio/status', status: 403, seconds: 0.002 });
		m.observeRequest({ method: 'POST', route: '/api/webhooks/twilio/status', status: 503, seconds: 0.002 });
		m.observeRequest({ method: 'BREW', route: null, status: 404, seconds: 0.001 });
		streams = 1;
		const text = await m.registry.metrics();
		expect(text).toContain('sms_web_http_requests_total{method="GET",route="/w/[slug]/health",status="200"} 1');
		expect(text).toContain('sms_web_http_requests_total{method="OTHER",route="unmatched",status="404"} 1');
		expect(text).toContain('sms_web_webhook_outcomes_total{route="/api/webhooks/twilio/status",outcome="rejected_signature"} 1');
		expect(text).toContain('sms_web_webhook_outcomes_total{route="/api/webhooks/twilio/status",outcome="unavailable"} 1');
		expect(text).toContain('sms_web_sse_connections 1');
	});

	it.each([
		[200, 'accepted'],
		[204, 'accepted'],
		[400, 'malformed'],
		[415, 'malformed'],
		[403, 'rejected_signature'],
		[503, 'unavailable'],
		[500, 'error']
	])('a webhook answered %i is %s', (status, outcome) => {
		expect(webhookOutcome(status)).toBe(outcome);
	});
});

describe('who may scrape /metrics', () => {
	const token = 'a-long-metrics-token-123';
	it('with a token: only the exact bearer token, wherever it comes from', () => {
		expect(mayScrape({ token, authorization: `Bearer ${token}`, clientAddress: '203.0.113.9' })).toBe(true);
		expect(mayScrape({ token, authorization: `Bearer ${token}x`, clientAddress: '127.0.0.1' })).toBe(false);
		expect(mayScrape({ token, authorization: null, clientAddress: '127.0.0.1' })).toBe(false);
		expect(mayScrape({ token, authorization: `Basic ${token}`, clientAddress: '127.0.0.1' })).toBe(false);
	});
	it('without a token: loopback only', () => {
		expect(mayScrape({ token: undefined, authorization: null, clientAddress: '127.0.0.1' })).toBe(true);
		expect(mayScrape({ token: undefined, authorization: null, clientAddress: '::1' })).toBe(true);
		expect(mayScrape({ token: undefined, authorization: null, clientAddress: '10.0.0.5' })).toBe(false);
		expect(mayScrape({ token: undefined, authorization: null, clientAddress: null })).toBe(false);
	});
});
