/**
 * Operations: worker heartbeats, reconciler runs and the workspace health summary — what the
 * readiness check and the console's health page read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, sqlError } from './fixtures.ts';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'health');
});

afterAll(async () => {
	await t?.close();
});

const health = (org: string, person = w.people.viewer) =>
	asPerson(t, person, async (tx) => {
		const [{ h }] = await tx`select public.workspace_health(${org}) as h`;
		return h as Record<string, unknown> & { workers: Record<string, unknown>[]; queue: Record<string, unknown> };
	});

describe('worker heartbeats', () => {
	it('no worker seen ⇒ not alive; a heartbeat ⇒ alive; a stopped worker ⇒ not alive', async () => {
		const alive = async () => (await t.sql`select public.worker_alive(30) as a`)[0].a as boolean;
		expect(await alive()).toBe(false);
		await t.sql`select public.record_worker_heartbeat('w-1', '1.0.0', 64, 3, 10)`;
		expect(await alive()).toBe(true);
		await t.sql`select public.record_worker_heartbeat('w-1', '1.0.0', 64, 0, 10, true)`;
		expect(await alive()).toBe(false);
	});

	it('a heartbeat older than 30 s does not count', async () => {
		await t.sql`select public.record_worker_heartbeat('w-old', '1.0.0', 8, 0, 0)`;
		await t.sql`update public.worker_heartbeats set last_seen = now() - interval '31 seconds' where worker_id = 'w-old'`;
		await t.sql`update public.worker_heartbeats set stopped_at = now() where worker_id <> 'w-old'`;
		expect((await t.sql`select public.worker_alive(30) as a`)[0].a).toBe(false);
	});

	it('the health page shows each worker with its sent-per-minute rate from the last two samples', async () => {
		await t.sql`select public.record_worker_heartbeat('w-rate', '2.0.0', 16, 5, 100)`;
		await t.sql`update public.worker_heartbeats set last_seen = now() - interval '30 seconds' where worker_id = 'w-rate'`;
		await t.sql`select public.record_worker_heartbeat('w-rate', '2.0.0', 16, 7, 130)`;
		const h = await health(w.a);
		const worker = h.workers.find((x) => x.workerId === 'w-rate');
		expect(worker).toMatchObject({ version: '2.0.0', concurrency: 16, inFlight: 7, sentCount: 130, alive: true });
		// 30 texts in ~30 s ⇒ ~60 a minute.
		expect(Number(worker?.sentPerMinute)).toBeGreaterThan(55);
		expect(Number(worker?.sentPerMinute)).toBeLessThan(65);
	});

	it('only the service writes heartbeats', async () => {
		const error = await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`select public.record_worker_heartbeat('evil', '', 1, 1, 1)`));
		expect(error.code).toBe('42501');
		const read = await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`select * from public.worker_heartbeats`));
		expect(read.code).toBe('42501');
	});
});

describe('workspace_health', () => {
	it("counts the workspace's due jobs and the oldest one, not another workspace's", async () => {
		const queue = (org: string) =>
			t.sql`select public.queue_sms_message(p_user_id => ${w.people.viewer.id}::uuid, p_phone_sealed => null, p_message => 'hi', p_organization_id => ${org}::uuid) as id`;
		await queue(w.a);
		await queue(w.a);
		await queue(w.b);
		await t.sql`update public.queue_jobs j set run_at = now() - interval '7 minutes'
			from public.sms_messages m where m.queue_job_id = j.id and m.organization_id = ${w.a}`;
		const h = await health(w.a);
		expect(h.queue.depth).toBe(2);
		expect(Number(h.queue.oldestDueSeconds)).toBeGreaterThanOrEqual(7 * 60);
	});

	it("reports the reconciler's last run and what it changed", async () => {
		await t.sql`select public.record_reconciler_run('w-1', now() - interval '2 seconds', 12, 4, 1)`;
		const h = await health(w.a);
		expect(h.reconciler).toMatchObject({ workerId: 'w-1', polled: 12, changed: 4, errors: 1 });
	});

	it('measures callback lag per provider as the median from send to first callback', async () => {
		const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => ${w.people.viewer.id}::uuid, p_phone_sealed => null, p_message => 'lag', p_organization_id => ${w.a}::uuid) as id`;
		// One clock for both statements: on a busy machine two now()s can be seconds apart.
		const at = new Date();
		await t.sql`update public.sms_messages set status = 'sent', twilio_sid = 'SMlag0000000000000000000000000000a', sent_at = ${at}::timestamptz - interval '20 seconds' where id = ${id}`;
		await t.sql`insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, source, received_at)
			values (${id}, 'SMlag0000000000000000000000000000a', 'sent', 'sent', 'webhook', ${at}::timestamptz - interval '16 seconds'),
			       (${id}, 'SMlag0000000000000000000000000000a', 'delivered', 'delivered', 'webhook', ${at}::timestamptz - interval '1 second')`;
		const h = await health(w.a);
		expect(h.callbackLag).toEqual([{ provider: 'twilio', medianSeconds: 4, texts: 1 }]);
	});

	it('is refused to non-members', async () => {
		const error = await sqlError(() => health(w.a, w.people.non_member));
		expect(error.code).toBe('WS001');
		expect(error.message).toMatch(/not a member/);
	});
});
