import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerPool } from './db.ts';

/**
 * A TCP hop in front of the test database that can be switched off (connections refused, open
 * ones reset) and on again on the same port: a database restart without restarting the suite's
 * shared Postgres.
 */
async function startGate(target: { host: string; port: number }) {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const upstream = net.connect(target.port, target.host);
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('close', () => sockets.delete(s));
			s.on('error', () => undefined);
		}
		client.pipe(upstream).pipe(client);
	});
	const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	await listen(0);
	const port = (server.address() as net.AddressInfo).port;
	return {
		port,
		async down() {
			const closed = new Promise((resolve) => server.close(resolve));
			for (const s of sockets) s.resetAndDestroy();
			await closed;
		},
		up: () => listen(port),
		close: async () => {
			for (const s of sockets) s.destroy();
			if (server.listening) await new Promise((resolve) => server.close(resolve));
		}
	};
}

let testDb: TestDatabase;
beforeAll(async () => {
	testDb = await createTestDatabase({ max: 1 });
});
afterAll(async () => {
	await testDb?.close();
});

describe("the worker's pool after the database was unreachable", () => {
	it('answers within 2 s of the database coming back, however many reconnects failed meanwhile', async () => {
		const target = new URL(testDb.url);
		const gate = await startGate({ host: target.hostname, port: Number(target.port) });
		const url = new URL(testDb.url);
		url.port = String(gate.port);
		const sql = createWorkerPool({ url: url.toString(), max: 4 });
		try {
			const ping = () => sql`select 1 as one`.then(([row]) => row?.one);
			expect(await ping()).toBe(1);

			// Down for 6 s while the worker keeps trying (as its claim loop and in-flight jobs do):
			// every refused connect counts against the pool's shared reconnect back-off.
			await gate.down();
			let failures = 0;
			const downUntil = Date.now() + 6_000;
			while (Date.now() < downUntil) {
				for (let i = 0; i < 4; i++) void ping().catch(() => failures++);
				await new Promise((r) => setTimeout(r, 50));
			}
			expect(failures).toBeGreaterThan(4);

			await gate.up();
			const upAt = Date.now();
			// Fresh queries, as the claim loop sends once it wakes; none may sit out a long back-off.
			const answered = await Promise.race([
				ping().then(() => Date.now() - upAt, () => ping().then(() => Date.now() - upAt)),
				new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 10_000))
			]);
			expect(answered).toBeLessThan(2_000);
		} finally {
			await sql.end({ timeout: 1 });
			await gate.close();
		}
	}, 30_000);
});
