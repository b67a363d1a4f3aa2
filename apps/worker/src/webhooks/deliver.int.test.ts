import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { deliverWebhook, generateWebhookSecret } from '@sms/webhooks';

describe('deliverWebhook', () => {
	let server: Server;
	let port = 0;
	const received: { headers: Record<string, string>; body: string }[] = [];
	beforeAll(async () => {
		server = createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', () => {
				received.push({ headers: req.headers as Record<string, string>, body });
				res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(() => new Promise<void>((r) => server.close(() => r())));

	const secret = generateWebhookSecret();
	const payload = JSON.stringify({ type: 'message.sent', timestamp: new Date().toISOString(), data: { id: 'm' } });

	it('refuses a name that resolves to loopback in production, after DNS, without connecting', async () => {
		const before = received.length;
		const resolveToLoopback = (_h: string, _o: { all: true }, cb: (e: null, a: { address: string; family: number }[]) => void) =>
			cb(null, [{ address: '127.0.0.1', family: 4 }]);
		// Production needs https; the name passes the static check, only resolution reveals it.
		const out = await deliverWebhook({ url: `https://hooks.example.com:${port}/h`, secret, eventId: 'evt_a', payload, mode: 'production', resolve: resolveToLoopback });
		expect(out).toMatchObject({ ok: false, refused: true });
		expect(out.error).toMatch(/loopback/);
		expect(received.length).toBe(before);
	});

	it('refuses a mixed DNS answer (one public, one private address)', async () => {
		const mixed = (_h: string, _o: { all: true }, cb: (e: null, a: { address: string; family: number }[]) => void) =>
			cb(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }]);
		const out = await deliverWebhook({ url: 'https://hooks.example.com/h', secret, eventId: 'evt_b', payload, mode: 'production', resolve: mixed });
		expect(out).toMatchObject({ ok: false, refused: true });
	});

	it('connects to the address it checked (pinned) and sends a signature the receiver verifies', async () => {
		// The name exists only in this resolver: reaching the server proves the socket used our answer.
		const pinned = (_h: string, _o: { all: true }, cb: (e: null, a: { address: string; family: number }[]) => void) =>
			cb(null, [{ address: '127.0.0.1', family: 4 }]);
		const out = await deliverWebhook({ url: `http://receiver.invalid:${port}/h`, secret, eventId: 'evt_c', payload, mode: 'local', resolve: pinned });
		expect(out).toMatchObject({ ok: true, status: 200, excerpt: 'thanks' });
		const got = received.at(-1)!;
		expect(got.headers['webhook-id']).toBe('evt_c');
		expect(new Webhook(secret).verify(got.body, got.headers)).toEqual(JSON.parse(payload));
	});

	it('reports a receiver that does not answer in time as a retryable failure', async () => {
		const slow = createServer(() => {});
		await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
		const p = (slow.address() as AddressInfo).port;
		const out = await deliverWebhook({ url: `http://127.0.0.1:${p}/`, secret, eventId: 'evt_d', payload, mode: 'local', timeoutMs: 200 });
		slow.closeAllConnections();
		await new Promise<void>((r) => slow.close(() => r()));
		expect(out.ok).toBe(false);
		expect(out.refused).toBeFalsy();
		expect(out.error).toMatch(/200 ms/);
	});
});
