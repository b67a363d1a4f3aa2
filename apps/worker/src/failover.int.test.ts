/**
 * Sending through the provider port, through the real worker and the sandbox's emulated
 * sms-retail and 23telecom: the workspace's list picks the provider, the reference is stored,
 * and when sms-retail is down (each of the sandbox's down modes) the texts go out through
 * 23telecom — each text exactly once across providers, counted at the sandbox, every attempt
 * on the text's record. A provider that may have accepted a text (timeout, 500 after accepting)
 * is never skipped blindly: the text waits until that provider can be asked.
 */
import type { DownMode } from '@sms/twilio-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';
import { attemptsOf, createProviderWorkspace, providerBodies, sentRows, textNewContacts } from '../test/providers.ts';

let env: WorkerTestEnv;
const retail = () => env.sandbox.state.providers['sms-retail'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(() => env.close());
afterEach(async () => {
	await Promise.all(env.workers.splice(0).map((w) => w.stop()));
	retail().down = null;
	env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 0 };
});

const startWorker = () =>
	env.startWorker({
		concurrency: 8,
		batchSize: 8,
		settleMs: 200,
		retryBaseMs: 50,
		retryMaxMs: 300,
		maxAttempts: 50,
		providers: { timeoutMs: 400, outageThreshold: 2, cooldownMs: 60_000, settingsTtlMs: 0 }
	});

/** Jobs may be retried for the whole outage (the default 5 attempts would dead-letter a text still waiting). */
async function patient<T extends { id: string }>(texts: T[]): Promise<T[]> {
	await env.sql`update public.queue_jobs set max_attempts = 50
		where id in (select queue_job_id from public.sms_messages where id = any(${texts.map((t) => t.id)}::uuid[]))`;
	return texts;
}

/** Every text accepted by exactly one provider, and stored with that provider's reference. */
async function expectEachOnce(prefix: string, texts: { id: string; body: string }[]) {
	const all = [...providerBodies(env.sandbox, 'sms-retail', prefix), ...providerBodies(env.sandbox, '23telecom', prefix)];
	expect(all.sort()).toEqual(texts.map((t) => t.body).sort());
	const rows = await sentRows(env.sql, texts.map((t) => t.id));
	for (const row of rows) {
		expect(row.job_status).toBe('completed');
		expect(['sms-retail', '23telecom']).toContain(row.provider);
		const at = [...env.sandbox.state.providers[row.provider as 'sms-retail' | '23telecom'].texts.all()].find((t) => t.id === row.provider_reference);
		expect(at?.body).toBe(texts.find((t) => t.id === row.id)?.body);
	}
	return rows;
}

async function allStored(ids: string[]) {
	const rows = await sentRows(env.sql, ids);
	return rows.length === ids.length && rows.every((r) => r.provider_reference !== null && r.job_status === 'completed');
}

describe('routing by the workspace’s list', () => {
	it('sends through the first provider, stores its reference, counts the slot, one attempt accepted', async () => {
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		await startWorker();
		const texts = await textNewContacts(env.sql, org, 4, 'routed');
		await waitFor(() => allStored(texts.map((t) => t.id)), { message: 'all stored' });
		const rows = await expectEachOnce('routed', texts);
		expect(rows.every((r) => r.provider === 'sms-retail' && r.status === 'queued' && r.daily_slot_date !== null)).toBe(true);
		expect(providerBodies(env.sandbox, '23telecom', 'routed')).toEqual([]);
		for (const t of texts) {
			const attempts = await attemptsOf(env.sql, t.id);
			expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([['sms-retail', 'accepted']]);
		}
		const [usage] = await env.sql<{ n: number }[]>`
			select coalesce(sum(u.count), 0)::int as n from public.contact_daily_usage u
			join public.contacts c on c.id = u.contact_id where c.organization_id = ${org}`;
		expect(usage.n).toBe(4);
	});
});

describe('sms-retail down', () => {
	it('made down mid-run (503): the remaining texts go out through 23telecom, each exactly once, both attempts kept', async () => {
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 30 };
		const texts = await textNewContacts(env.sql, org, 40, 'midrun');
		await startWorker();
		await waitFor(() => providerBodies(env.sandbox, 'sms-retail', 'midrun').length >= 8, { message: 'some sent through sms-retail' });
		retail().down = '503';
		await waitFor(() => allStored(texts.map((t) => t.id)), { timeoutMs: 20_000, message: 'all stored' });
		const rows = await expectEachOnce('midrun', texts);
		const through = (p: string) => rows.filter((r) => r.provider === p).length;
		expect(through('sms-retail')).toBeGreaterThanOrEqual(8);
		expect(through('23telecom')).toBeGreaterThan(0);
		// The texts that met the outage show it on their record, then where they went.
		const failedOver = [];
		for (const r of rows.filter((x) => x.provider === '23telecom')) {
			const attempts = await attemptsOf(env.sql, r.id);
			expect(attempts.at(-1)).toMatchObject({ provider: '23telecom', outcome: 'accepted', reference: r.provider_reference });
			if (attempts.some((a) => a.provider === 'sms-retail')) failedOver.push(attempts);
		}
		expect(failedOver.length).toBeGreaterThan(0);
		for (const attempts of failedOver) {
			for (const a of attempts.slice(0, -1)) expect(a).toMatchObject({ provider: 'sms-retail', outcome: 'refused', error_kind: 'provider_unavailable' });
		}
	});

	it.each<DownMode>(['503', 'auth'])('%s from the start: every text through 23telecom, none at sms-retail', async (mode) => {
		const prefix = `down-${mode}`;
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		retail().down = mode;
		const texts = await textNewContacts(env.sql, org, 12, prefix);
		await startWorker();
		await waitFor(() => allStored(texts.map((t) => t.id)), { timeoutMs: 20_000, message: 'all stored' });
		const rows = await expectEachOnce(prefix, texts);
		expect(rows.every((r) => r.provider === '23telecom')).toBe(true);
		expect(providerBodies(env.sandbox, 'sms-retail', prefix)).toEqual([]);
		let both = 0;
		for (const t of texts) {
			const attempts = await attemptsOf(env.sql, t.id);
			if (attempts.length > 1) both++;
			expect(attempts.at(-1)).toMatchObject({ provider: '23telecom', outcome: 'accepted' });
			for (const a of attempts.slice(0, -1)) expect(a).toMatchObject({ provider: 'sms-retail', outcome: 'refused', error_kind: 'provider_unavailable' });
		}
		// At least the texts that met sms-retail before it counted as down show both attempts.
		expect(both).toBeGreaterThan(0);
	});

	it('timeout: texts it may have taken wait for it (never sent elsewhere blind), later ones skip it; once it answers, each goes out once', async () => {
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		retail().down = 'timeout';
		const first = await patient(await textNewContacts(env.sql, org, 6, 'timeout-a'));
		await startWorker();
		// Every first attempt timed out: nothing may go to 23telecom while sms-retail cannot be asked.
		await waitFor(async () => {
			const attempts = await env.sql<{ n: number }[]>`
				select count(*)::int as n from public.sms_send_attempts where message_id = any(${first.map((t) => t.id)}::uuid[]) and outcome = 'unknown'`;
			return attempts[0]!.n === 6;
		}, { message: 'six unknown attempts' });
		await sleep(1500);
		expect(providerBodies(env.sandbox, '23telecom', 'timeout-a')).toEqual([]);
		expect((await sentRows(env.sql, first.map((t) => t.id))).every((r) => r.status === 'dispatching')).toBe(true);
		// sms-retail counts as down now: new texts start with 23telecom.
		const later = await textNewContacts(env.sql, org, 4, 'timeout-b');
		await waitFor(() => allStored(later.map((t) => t.id)), { message: 'later texts stored' });
		expect((await sentRows(env.sql, later.map((t) => t.id))).every((r) => r.provider === '23telecom')).toBe(true);
		// It answers again: the lookups find nothing there, so the waiting texts are sent, once.
		retail().down = null;
		await waitFor(() => allStored(first.map((t) => t.id)), { timeoutMs: 20_000, message: 'waiting texts stored' });
		await expectEachOnce('timeout-a', first);
		await expectEachOnce('timeout-b', later);
		for (const t of first) {
			const attempts = await attemptsOf(env.sql, t.id);
			expect(attempts[0]).toMatchObject({ provider: 'sms-retail', outcome: 'not_found' });
			expect(attempts.at(-1)?.outcome).toBe('accepted');
		}
	});

	it('500 after accepting: the texts it took stay with it (found by client_ref once it answers), none also sent by 23telecom', async () => {
		const org = await createProviderWorkspace(env.sql, env.sandbox, ['sms-retail', '23telecom']);
		retail().down = '500-after-accept';
		const first = await patient(await textNewContacts(env.sql, org, 6, 'accept500-a'));
		await startWorker();
		await waitFor(() => providerBodies(env.sandbox, 'sms-retail', 'accept500-a').length === 6, { message: 'accepted at sms-retail' });
		await sleep(1500);
		expect(providerBodies(env.sandbox, '23telecom', 'accept500-a')).toEqual([]);
		const later = await textNewContacts(env.sql, org, 4, 'accept500-b');
		await waitFor(() => allStored(later.map((t) => t.id)), { message: 'later texts stored' });
		retail().down = null;
		await waitFor(() => allStored(first.map((t) => t.id)), { timeoutMs: 20_000, message: 'first texts stored' });
		const rows = await expectEachOnce('accept500-a', first);
		expect(rows.every((r) => r.provider === 'sms-retail')).toBe(true);
		expect((await expectEachOnce('accept500-b', later)).every((r) => r.provider === '23telecom')).toBe(true);
		for (const t of first) {
			const attempts = await attemptsOf(env.sql, t.id);
			expect(attempts.map((a) => [a.provider, a.outcome])).toEqual([['sms-retail', 'found']]);
		}
	});
});
