/**
 * Outbound webhooks (issue 15): 10,000 status changes → 10,000 signed deliveries to a local
 * receiver through the queue (deliver_webhook jobs, the worker's dispatcher), none lost, none
 * duplicated beyond at-least-once retries that carry the same webhook-id. One event in 50 is
 * refused (503) on its first attempt, so retries are part of the run.
 * Peer, same run, same receiver, same concurrency: deliverWebhook (the same signing and HTTP
 * code) called straight from a loop over the same payloads — what the queue, the attempt log
 * and the retries cost on top of the POSTs themselves.
 * The target is correctness, not a rate: the run fails when an event is lost or arrives
 * more often than its retries explain, or a signature does not verify. The rate is reported
 * beside its peer for the record (no ratio target).
 * BENCH_WEBHOOK_EVENTS sets the number of events (default 10,000). Durable commits.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, newPhoneKey, phoneCipher, phoneKeysToEnv } from '@sms/db';
import { startEmbeddedPostgres } from '@sms/db/embedded';
import { deliverWebhook, generateWebhookSecret } from '@sms/webhooks';
import { Webhook } from 'standardwebhooks';
import type { BenchResult } from '../scripts/bench.ts';
import { createWebhookDispatcher } from '../apps/worker/src/webhooks/dispatcher.ts';

// Phone-number keys for this run: the contacts are stored sealed, the dispatcher opens them.
if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv({ keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() }));

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 10_000);
const CONCURRENCY = 16; // the dispatcher's default
const FAIL_ONE_IN = 50;

const stage = (m: string) => process.stderr.write(`  webhook-deliveries: ${m}\n`);

interface Received {
	id: string;
	body: string;
	headers: Record<string, string>;
}

/** A receiver that answers 503 to the first attempt of every FAIL_ONE_IN-th event id. */
function receiver() {
	const received: Received[] = [];
	const refusedOnce = new Set<string>();
	let seen = 0;
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			const id = String(req.headers['webhook-id']);
			received.push({ id, body, headers: req.headers as Record<string, string> });
			if (++seen % FAIL_ONE_IN === 0 && !refusedOnce.has(id)) {
				refusedOnce.add(id);
				res.writeHead(503).end('busy');
			} else res.writeHead(204).end();
		});
	});
	return { server, received, refusedOnce, reset: () => ((received.length = 0), refusedOnce.clear(), (seen = 0)) };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`${what} did not finish within ${timeoutMs / 1000} s`);
}

export async function run(): Promise<BenchResult[]> {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-hooks-'));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 60, fast: process.env.BENCH_PG_FAST === '1' });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe('create database bench');
	await admin.end();
	const db = createDb({ url: pg.url('bench'), max: 20, applicationName: 'bench-hooks' });
	const rx = receiver();
	await new Promise<void>((r) => rx.server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(rx.server.address() as AddressInfo).port}/hook`;
	const secret = generateWebhookSecret();
	try {
		stage(`migrating; one workspace, one endpoint, ${EVENTS} texts`);
		await migrate(db.sql);
		const [{ id: owner }] = await db.sql`insert into auth.users (email, email_confirmed_at) values ('owner@hooks.example', now()) returning id`;
		const [{ id: org }] = await db.sql`insert into public.organizations (slug, name) values ('hooks', 'Hooks') returning id`;
		await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
		await db.asUser({ sub: owner }, (tx) => tx`select public.create_webhook_endpoint(${org}::uuid, ${url}, '{message.sent}'::text[], ${secret}, 'bench')`);
		const sealed = Array.from({ length: 500 }, (_, g) => phoneCipher().seal(`+1415${3_000_000 + g}`));
		const contacts = await db.sql<{ id: string }[]>`
			insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
			select ${org}, 'c' || g, e, h, l, '1'
			  from unnest(${sealed.map((s) => s.enc)}::text[], ${sealed.map((s) => s.hash)}::text[], ${sealed.map((s) => s.last4)}::text[]) with ordinality as u(e, h, l, g)
			 order by g returning id`;
		for (let done = 0; done < EVENTS; done += 1000) {
			const rows = Array.from({ length: Math.min(1000, EVENTS - done) }, (_, i) => ({ contact_id: contacts[(done + i) % 500].id, organization_id: org, message: `hook ${done + i}` }));
			await db.sql`select count(*) from public.queue_sms_messages_bulk(${db.sql.json(rows)})`;
		}
		// The texts' own send jobs are not this benchmark's: only deliver_webhook jobs are claimed below.
		stage(`${EVENTS} status changes (sent), each recording its event in the same transaction`);
		await db.sql`update public.sms_messages set status = 'sent' where organization_id = ${org}`;
		const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.webhook_deliveries`;
		if (n !== EVENTS) throw new Error(`expected ${EVENTS} deliveries, got ${n}`);

		stage(`delivering through the queue at concurrency ${CONCURRENCY}`);
		const dispatcher = createWebhookDispatcher({ sql: db.sql, workerId: 'bench', mode: 'local', concurrency: CONCURRENCY, retryDelayMs: () => 0, pollIntervalMs: 50 });
		const t0 = performance.now();
		await dispatcher.start();
		await until(async () => {
			const [{ left }] = await db.sql<{ left: number }[]>`select count(*)::int as left from public.webhook_deliveries where status <> 'succeeded'`;
			return left === 0;
		}, 600_000, 'the queued deliveries');
		const queueSeconds = (performance.now() - t0) / 1000;
		await dispatcher.stop();

		// None lost, none duplicated beyond retries with the same webhook-id, every signature valid.
		const verifier = new Webhook(secret);
		const ids = new Map<string, number>();
		for (const r of rx.received) {
			verifier.verify(r.body, r.headers);
			ids.set(r.id, (ids.get(r.id) ?? 0) + 1);
		}
		const [{ expected }] = await db.sql<{ expected: string[] }[]>`select array_agg(event_id) as expected from public.webhook_deliveries`;
		const lost = expected.filter((id) => !ids.has(id)).length;
		const extra = [...ids.entries()].filter(([id, c]) => c > (rx.refusedOnce.has(id) ? 2 : 1)).length;
		const [{ attempts }] = await db.sql<{ attempts: number }[]>`select count(*)::int as attempts from public.webhook_delivery_attempts`;
		if (lost > 0 || extra > 0) throw new Error(`${lost} events lost, ${extra} delivered more often than their retries explain`);
		const queueReceived = rx.received.length;
		const retried = rx.refusedOnce.size;

		stage(`the peer: deliverWebhook straight from a loop, concurrency ${CONCURRENCY}`);
		const payloads = await db.sql<{ event_id: string; payload: unknown }[]>`select event_id, payload from public.webhook_deliveries order by created_at`;
		rx.reset();
		let next = 0;
		const t1 = performance.now();
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < payloads.length) {
					const p = payloads[next++];
					const body = JSON.stringify(p.payload);
					let outcome = await deliverWebhook({ url, secret, eventId: p.event_id, payload: body, mode: 'local' });
					while (!outcome.ok) outcome = await deliverWebhook({ url, secret, eventId: p.event_id, payload: body, mode: 'local' });
				}
			})
		);
		const directSeconds = (performance.now() - t1) / 1000;

		return [
			{
				name: `outbound webhooks: ${EVENTS} status changes → signed deliveries (queue, dispatcher)`,
				value: EVENTS / queueSeconds,
				unit: 'deliveries/s',
				peer: { name: 'deliverWebhook direct, same receiver and concurrency', value: EVENTS / directSeconds },
				notes: `${EVENTS} events, ${queueReceived} POSTs received (${retried} events refused once with 503 and retried), ${attempts} attempts logged; 0 lost, 0 duplicated beyond retries, every signature verified`
			}
		];
	} finally {
		await new Promise<void>((r) => rx.server.close(() => r()));
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
