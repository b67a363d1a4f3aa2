import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { generateWebhookSecret } from '@sms/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDispatcher } from './dispatcher.ts';
import { phoneColumns } from '../../test/fixtures.ts';

let t: TestDatabase;
let org: string;
let owner: string;
let server: Server;
let port = 0;
let failFirst = 0;
const received: { id: string; body: string; headers: Record<string, string> }[] = [];

async function endpoint(url: string, events: string[], secret = generateWebhookSecret()) {
	const [{ id }] = await t.db.asUser({ sub: owner }, (tx) => tx<{ id: string }[]>`
		select public.create_webhook_endpoint(${org}::uuid, ${url}, ${events}::text[], ${secret}, 'test') as id`);
	return { id, secret };
}

async function textTo(phone: string): Promise<string> {
	const [c] = await t.sql<{ id: string }[]>`
		insert into public.contacts ${t.sql({ organization_id: org, name: 'C', ...phoneColumns(phone) })}
		on conflict (organization_id, phone_hash) do update set name = excluded.name returning id`;
	const [{ id }] = await t.sql<{ id: string }[]>`select public.queue_sms_message(null, null, 'hi', p_contact_id => ${c.id}) as id`;
	return id;
}

async function drain(d: ReturnType<typeof createWebhookDispatcher>) {
	for (let i = 0; i < 50; i++) {
		const n = await d.runOnce();
		const [{ left }] = await t.sql<{ left: number }[]>`
			select count(*)::int as left from public.queue_jobs where job_type = 'deliver_webhook' and status in ('pending', 'processing')`;
		if (n === 0 && left === 0) return;
	}
	throw new Error('webhook jobs did not drain');
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 20 });
	owner = await createUser(t.sql);
	[{ id: org }] = await t.sql`insert into public.organizations (slug, name) values ('hooks-co', 'Hooks') returning id`;
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			received.push({ id: String(req.headers['webhook-id']), body, headers: req.headers as Record<string, string> });
			if (failFirst > 0) {
				failFirst--;
				res.writeHead(503).end('down for maintenance');
			} else res.writeHead(204).end();
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
	await new Promise<void>((r) => server.close(() => r()));
	await t?.close();
});

describe('outbound webhooks through the queue', () => {
	it('a receiver that fails then recovers gets every event, signed, with the same webhook-id on retries', async () => {
		const { id: endpointId, secret } = await endpoint(`http://127.0.0.1:${port}/hook`, ['message.sent', 'message.delivered']);
		const phones = ['+14155550201', '+14155550202', '+14155550203'];
		const ids = await Promise.all(phones.map(textTo));
		// Status changes as the status path makes them: each records its event in the same transaction.
		for (const id of ids) await t.sql`update public.sms_messages set status = 'sent' where id = ${id}`;
		for (const id of ids) await t.sql`update public.sms_messages set status = 'delivered' where id = ${id}`;
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.webhook_deliveries where endpoint_id = ${endpointId}`;
		expect(n).toBe(6);

		failFirst = 8;
		const d = createWebhookDispatcher({ sql: t.sql, workerId: 'test', mode: 'local', retryDelayMs: () => 0 });
		await drain(d);

		const verifier = new Webhook(secret);
		const events = received.map((r) => ({ id: r.id, event: verifier.verify(r.body, r.headers) as { type: string; data: { id: string; phone: string } } }));
		const delivered = new Map(events.map((e) => [e.id, e.event]));
		expect(delivered.size).toBe(6);
		expect([...delivered.values()].map((e) => `${e.type}:${e.data.id}`).sort()).toEqual(
			ids.flatMap((id) => [`message.delivered:${id}`, `message.sent:${id}`]).sort()
		);
		// The endpoint gets the number opened (the database keeps it sealed), in the signed body.
		for (const e of delivered.values()) expect(e.data.phone).toBe(phones[ids.indexOf(e.data.id)]);
		expect(Object.keys([...delivered.values()][0].data)).not.toContain('phoneEnc');
		const [{ kept }] = await t.sql<{ kept: string }[]>`select string_agg(payload::text, ' ') as kept from public.webhook_deliveries where endpoint_id = ${endpointId}`;
		for (const p of phones) expect(kept).not.toContain(p.slice(1));
		expect(received.length).toBe(6 + 8);
		const attempts = await t.sql<{ ok: boolean; status_code: number; response_excerpt: string }[]>`
			select a.ok, a.status_code, a.response_excerpt from public.webhook_delivery_attempts a
			join public.webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${endpointId}`;
		expect(attempts.length).toBe(14);
		expect(attempts.filter((a) => !a.ok).every((a) => a.status_code === 503 && a.response_excerpt === 'down for maintenance')).toBe(true);
		const statuses = await t.sql`select distinct status from public.webhook_deliveries where endpoint_id = ${endpointId}`;
		expect(statuses).toEqual([{ status: 'succeeded' }]);
	});

	it('in production mode, refuses a name that resolves to a private address: logged, not retried, nothing sent', async () => {
		await t.sql`delete from public.webhook_endpoints`;
		const before = received.length;
		const { id: endpointId } = await endpoint('https://hooks.example.com/in', ['message.failed']);
		const id = await textTo('+14155550299');
		await t.sql`update public.sms_messages set status = 'failed' where id = ${id}`;
		const d = createWebhookDispatcher({
			sql: t.sql,
			workerId: 'prod',
			mode: 'production',
			resolve: (_h, _o, cb) => cb(null, [{ address: '10.0.0.8', family: 4 }])
		});
		await drain(d);
		const [delivery] = await t.sql`select status, attempts, last_error from public.webhook_deliveries where endpoint_id = ${endpointId}`;
		expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
		expect(delivery.last_error).toMatch(/private/);
		expect(received.length).toBe(before);
	});

	it('"send again" delivers the same event (same webhook-id) once more, audited', async () => {
		await t.sql`delete from public.webhook_endpoints`;
		const { id: endpointId } = await endpoint(`http://127.0.0.1:${port}/again`, ['message.suppressed']);
		const id = await textTo('+14155550288');
		await t.sql`update public.sms_messages set status = 'suppressed' where id = ${id}`;
		const d = createWebhookDispatcher({ sql: t.sql, workerId: 'again', mode: 'local', retryDelayMs: () => 0 });
		await drain(d);
		const [delivery] = await t.sql<{ id: string; event_id: string }[]>`select id, event_id from public.webhook_deliveries where endpoint_id = ${endpointId}`;
		await t.db.asUser({ sub: owner }, (tx) => tx`select public.resend_webhook_delivery(${delivery.id})`);
		await drain(d);
		expect(received.filter((r) => r.id === delivery.event_id)).toHaveLength(2);
		const [audit] = await t.sql`select actor_id from public.audit_log where action = 'webhook_delivery.resent' and target_id = ${delivery.id}`;
		expect(audit).toMatchObject({ actor_id: owner });
	});
});
