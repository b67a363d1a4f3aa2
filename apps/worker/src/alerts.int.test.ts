/**
 * Alert evaluation in the worker: one evaluator at a time across workers (advisory lock), and
 * an on-call member gets one urgent text per alert — through queue_sms_message, rate-limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlertsOnce } from './alerts.ts';
import { silentLogger } from './logger.ts';
import { createSmsUser, nextPhone, phoneColumns, setupWorkerEnv, type WorkerTestEnv } from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(async () => {
	await env.close();
});

describe('alert evaluation in the worker', () => {
	it('runs in one worker at a time and texts the on-call member once', async () => {
		const [{ id: org }] = await env.sql`insert into public.organizations (slug, name) values ('oncall', 'On Call Co') returning id`;
		const onCall = await createSmsUser(env.sql, { phone: nextPhone() });
		const offCall = await createSmsUser(env.sql, { phone: nextPhone() });
		await env.sql`insert into public.organization_members (organization_id, user_id, role, on_call)
			values (${org}, ${onCall}, 'owner', true), (${org}, ${offCall}, 'admin', false)`;
		await env.sql`insert into public.alert_rules (organization_id, kind, notify_on_call) values (${org}, 'failure_rate', true)`;
		const phone = phoneColumns('+14155559900');
		const [{ id: contact }] = await env.sql`insert into public.contacts ${env.sql({ organization_id: org, name: 'C', ...phone })} returning id`;
		await env.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code, sent_at, failed_at)
			select ${org}, ${contact}, ${phone.phone_enc}, ${phone.phone_hash}, ${phone.phone_last4}, ${phone.calling_code}, 'x', 'undelivered', 30003, now() - interval '2 minutes', now() - interval '1 minute'
			from generate_series(1, 30)`;

		const logger = silentLogger();
		const rounds = await Promise.all([evaluateAlertsOnce({ sql: env.pool, logger }), evaluateAlertsOnce({ sql: env.pool, logger })]);
		// Both may run one after the other, but never at once: the second sees the alert already open.
		const opened = rounds.flatMap((r) => r.events).filter((e) => e.organizationId === org && e.kind === 'failure_rate');
		expect(opened).toHaveLength(1);
		expect(opened[0]).toMatchObject({ event: 'opened', severity: 'critical' });

		const texts = await env.sql`select m.user_id, m.priority, m.notification_type, m.message_content
			from public.alert_notifications n join public.sms_messages m on m.id = n.message_id where n.organization_id = ${org}`;
		expect(texts).toHaveLength(1);
		expect(texts[0]).toMatchObject({ user_id: onCall, priority: 'urgent', notification_type: 'urgent_alert' });
		expect(texts[0]!.message_content).toMatch(/^\[CRITICAL\] On Call Co: 100% of texts failed in the last 15 minutes/);
		expect(texts[0]!.message_content).toMatch(/may itself be late/);

		// A reminder within the hour does not text the same person again.
		await env.sql`update public.alerts set last_notified_at = now() - interval '25 hours' where organization_id = ${org}`;
		const again = await evaluateAlertsOnce({ sql: env.pool, logger });
		expect(again.events.filter((e) => e.organizationId === org && e.kind === 'failure_rate').map((e) => e.event)).toEqual(['reminded']);
		const [{ n }] = await env.sql`select count(*)::int as n from public.alert_notifications where organization_id = ${org}`;
		expect(n).toBe(1);
	});

	it('a worker that finds the lock taken does nothing', async () => {
		const holder = await env.pool.reserve();
		try {
			await holder`select pg_advisory_lock(7263419016)`;
			expect(await evaluateAlertsOnce({ sql: env.pool, logger: silentLogger() })).toEqual({ ran: false, events: [], textsQueued: 0 });
		} finally {
			await holder`select pg_advisory_unlock(7263419016)`;
			holder.release();
		}
	});
});

describe('retention in the worker', () => {
	it('applies every batch in one run and says what it removed', async () => {
		const { applyRetentionOnce } = await import('./retention.ts');
		const [{ id: org }] = await env.sql`insert into public.organizations (slug, name, body_retention_days) values ('ret-w', 'Ret', 7) returning id`;
		const phone = phoneColumns('+14155559911');
		const [{ id: contact }] = await env.sql`insert into public.contacts ${env.sql({ organization_id: org, name: 'C', ...phone })} returning id`;
		await env.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, created_at)
			select ${org}, ${contact}, ${phone.phone_enc}, ${phone.phone_hash}, ${phone.phone_last4}, ${phone.calling_code}, 'secret body', 'delivered', now() - interval '8 days' from generate_series(1, 25)`;
		const run = await applyRetentionOnce({ sql: env.pool, logger: silentLogger(), batch: 10 });
		expect(run).toMatchObject({ ran: true, bodies: 25 });
		const [{ n }] = await env.sql`select count(*)::int as n from public.sms_messages where organization_id = ${org} and message_content = '[Text removed after 7 days]'`;
		expect(n).toBe(25);
	});
});
