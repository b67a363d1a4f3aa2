import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, queueSettled, setupWorkerEnv, spawnWorker, waitFor, type WorkerChild, type WorkerTestEnv } from '../test/fixtures.ts';
import { createProviderWorkspace, providerBodies, sentRows, textNewContacts } from '../test/providers.ts';

let env: WorkerTestEnv;
const children: WorkerChild[] = [];

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(async () => {
	for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await env.close();
});

describe('a worker killed with SIGKILL halfway through, on the HTTP provider path', () => {
	it('loses no text and sends none twice: the new worker asks sms-retail by client_ref before any resend', async () => {
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		const texts = await textNewContacts(env.sql, org, 200, 'http-crash');
		// 100 ms per provider call, so dozens of sends are mid-call at any moment.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 100 };
		const retail = env.sandbox.state.providers['sms-retail'];

		const workerEnv = { WORKER_CONCURRENCY: '32', WORKER_LEASE_SECONDS: '2', WORKER_SETTLE_MS: '300', WORKER_PROVIDER_SETTINGS_TTL_MS: '0' };
		const first = await spawnWorker(env, workerEnv);
		children.push(first);
		await waitFor(() => providerBodies(env.sandbox, 'sms-retail', 'http-crash').length >= 60, { timeoutMs: 60_000, message: '60 texts sent' });
		first.child.kill('SIGKILL');
		expect((await first.exited).signal).toBe('SIGKILL');

		const [{ dispatching }] = await env.sql<{ dispatching: number }[]>`
			select count(*)::int as dispatching from public.sms_messages
			where organization_id = ${org} and status = 'dispatching'`;
		// The kill really interrupted sends between "calling the provider" and "storing the reference".
		expect(dispatching).toBeGreaterThan(0);
		const acceptedBefore = retail.accepted;
		expect(acceptedBefore).toBeLessThan(200);

		const second = await spawnWorker(env, workerEnv);
		children.push(second);
		await waitFor(
			async () => {
				const rows = await sentRows(env.sql, texts.map((t) => t.id));
				return rows.every((r) => r.provider_reference !== null) && (await queueSettled(env.sql));
			},
			{ timeoutMs: 60_000, message: 'all 200 texts stored with their references' }
		);

		// The sandbox's own lists are the proof: 200 texts, each body exactly once, all at sms-retail.
		const bodies = providerBodies(env.sandbox, 'sms-retail', 'http-crash');
		expect(bodies.sort()).toEqual(texts.map((t) => t.body).sort());
		expect(providerBodies(env.sandbox, '23telecom', 'http-crash')).toEqual([]);
		expect(retail.accepted).toBe(200);
		// And every message points at the text sms-retail has for it.
		const byId = new Map([...retail.texts.all()].map((t) => [t.id, t.body]));
		for (const row of await sentRows(env.sql, texts.map((t) => t.id))) {
			expect(row.provider).toBe('sms-retail');
			expect(byId.get(row.provider_reference!)).toBe(texts.find((t) => t.id === row.id)!.body);
			expect(row.job_status).toBe('completed');
		}
		// Each contact's day counts its one text once.
		const [{ counted }] = await env.sql<{ counted: number }[]>`
			select coalesce(sum(u.count), 0)::int as counted from public.contact_daily_usage u
			join public.contacts c on c.id = u.contact_id where c.organization_id = ${org}`;
		expect(counted).toBe(200);

		// The new worker found interrupted sends at sms-retail instead of resending them.
		const metrics = await (await fetch(`${await second.healthUrl}/metrics`)).text();
		expect(metricValue(metrics, 'sms_worker_recovered_total')).toBeGreaterThan(0);
		second.child.kill('SIGTERM');
		expect((await second.exited).code).toBe(0);
	}, 150_000);
});
