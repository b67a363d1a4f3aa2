import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { generateWebhookSecret } from '@sms/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDispatcher } from './dispatcher.ts';
import { phoneColumns } from '../../test/fixtures.ts';

let t: TestDatabase;
let org: string;
let owner: string;
let server: Server;
let url = '';

beforeAll(async () => {
	t = await createTestDatabase({ max: 10 });
	owner = await createUser(t.sql);
	[{ id: org }] = await t.sql`insert into public.organizations (slug, name) values ('hooks-down', 'Hooks down') returning id`;
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
	// A receiver that is always down.
	server = createServer((req, res) => {
		req.resume();
		req.on('end', () => res.writeHead(500).end('still broken'));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/down`;
});
afterAll(async () => {
	await new Promise<void>((r) => server.close(() => r()));
	await t?.close();
});

const alertsOf = (endpointId: string) =>
	t.db.asUser({ sub: owner }, (tx) => tx<{ id: string; status: string; severity: string; title: string; details: { url: string } }[]>`
		select id, status, severity, title, details from public.alerts where kind = 'webhook_endpoint_disabled' and subject = ${endpointId}`);

describe('an endpoint failing for a day', () => {
	it('is disabled, audited, and its owners see an alert in the feed until it is gone', async () => {
		const [{ id: endpointId }] = await t.db.asUser({ sub: owner }, (tx) => tx<{ id: string }[]>`
			select public.create_webhook_endpoint(${org}::uuid, ${url}, '{message.sent}'::text[], ${generateWebhookSecret()}, 'down') as id`);
		const [c] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: org, name: 'C', ...phoneColumns('+14155550401') })} returning id`;
		const [{ id }] = await t.sql<{ id: string }[]>`select public.queue_sms_message(null, null, 'hi', p_contact_id => ${c.id}) as id`;
		await t.sql`update public.sms_messages set status = 'sent' where id = ${id}`;
		// It has been failing since yesterday.
		await t.sql`update public.webhook_endpoints set failing_since = now() - interval '25 hours' where id = ${endpointId}`;

		const d = createWebhookDispatcher({ sql: t.sql, workerId: 'down', mode: 'local', retryDelayMs: () => null });
		expect(await d.runOnce()).toBe(1);

		const [e] = await t.sql`select enabled, disabled_reason from public.webhook_endpoints where id = ${endpointId}`;
		expect(e.enabled).toBe(false);
		expect(e.disabled_reason).toMatch(/HTTP 500|500/);
		const audit = await t.sql`select action from public.audit_log where action = 'webhook_endpoint.disabled' and target_id = ${endpointId}`;
		expect(audit).toHaveLength(1);

		// In the alert feed, readable by the workspace's members (RLS), with its 'opened' event.
		const [alert] = await alertsOf(endpointId);
		expect(alert).toMatchObject({ status: 'open', severity: 'critical' });
		expect(alert.title).toContain(url);
		expect(alert.details.url).toBe(url);
		const events = await t.sql`select event from public.alert_events where alert_id = ${alert.id}`;
		expect(events).toEqual([{ event: 'opened' }]);

		// The scheduled evaluation keeps it open while the endpoint stays disabled (no second alert)…
		await t.sql`select public.evaluate_alerts(now() + interval '2 hours')`;
		expect((await alertsOf(endpointId)).map((a) => a.status)).toEqual(['open']);
		// …and resolves it once the endpoint is deleted.
		await t.db.asUser({ sub: owner }, (tx) => tx`select public.delete_webhook_endpoint(${endpointId}::uuid)`);
		await t.sql`select public.evaluate_alerts(now() + interval '3 hours')`;
		expect((await alertsOf(endpointId)).map((a) => a.status)).toEqual(['resolved']);
	});
});
