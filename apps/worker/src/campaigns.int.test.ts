/**
 * Campaigns through the real worker and the Twilio sandbox (real twilio SDK): pause, cancel,
 * a SIGKILL mid-campaign, the failure breaker on the sandbox's failing numbers, opted-out
 * numbers, and the spend cap. The sandbox's own list of received texts is the proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	nextPhone,
	queueSettled,
	sandboxTexts,
	setupWorkerEnv,
	spawnWorker,
	waitFor,
	type WorkerChild,
	type WorkerTestEnv
} from '../test/fixtures.ts';
import { asOperator, campaignState, createCampaignWorkspace, startCampaignTo, startStatusReceiver } from '../test/campaign-fixtures.ts';
import { sealedPhoneText } from '@sms/db/testing';

let env: WorkerTestEnv;
let receiver: Awaited<ReturnType<typeof startStatusReceiver>>;
const children: WorkerChild[] = [];
let slug = 0;
const workspace = () => createCampaignWorkspace(env.sql, `campaign-${++slug}`);
const phones = (n: number) => Array.from({ length: n }, () => nextPhone());
const textsTo = (list: string[]) => {
	const set = new Set(list);
	return sandboxTexts(env.sandbox).filter((t) => set.has(t.to));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	env = await setupWorkerEnv();
	receiver = await startStatusReceiver(env.pool);
	await env.startWorker({ statusCallbackUrl: receiver.url, concurrency: 16 });
});
afterAll(async () => {
	for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await env.close();
	await receiver.close();
});

describe('campaigns through the worker', () => {
	it('a paused campaign sends nothing more (within a second), and resumed sends the rest once', async () => {
		const ws = await workspace();
		const list = phones(30);
		const id = await startCampaignTo(env, ws, list, { label: 'pause', throttle: 5 });
		await waitFor(() => textsTo(list).length >= 3, { message: '3 texts sent' });
		await asOperator(env, ws, (tx) => tx`select public.pause_campaign(${id})`);
		await sleep(1000);
		const atPause = textsTo(list).length;
		await sleep(2000);
		expect(textsTo(list).length).toBe(atPause);
		expect(atPause).toBeLessThan(30);

		await asOperator(env, ws, (tx) => tx`select public.resume_campaign(${id})`);
		await waitFor(() => textsTo(list).length === 30, { timeoutMs: 20_000, message: 'all 30 sent after resume' });
		expect(new Set(textsTo(list).map((t) => t.to)).size).toBe(30);
		await waitFor(async () => (await campaignState(env.sql, id)).status === 'completed', { message: 'campaign completed' });
	}, 40_000);

	it('never sends faster than the throttle: the k-th text reaches the sandbox no sooner than k ÷ rate after the start', async () => {
		const ws = await workspace();
		const list = phones(24);
		const rate = 8;
		const id = await startCampaignTo(env, ws, list, { label: 'rate', throttle: rate });
		await waitFor(() => textsTo(list).length === 24, { timeoutMs: 20_000, message: 'all 24 sent' });
		const [{ first }] = await env.sql<{ first: string }[]>`
			select start_result ->> 'first_send_at' as first from public.sms_campaigns where id = ${id}`;
		const start = Date.parse(first);
		const at = textsTo(list).map((t) => t.dateCreated).sort((a, b) => a - b);
		// However the worker's claims fall, the count received by any moment t stays within
		// rate × (t − start) + 1: no text goes before its slot, so a campaign is never ahead of
		// its throttle (a late worker catches up, but only on texts whose slot has passed).
		const early = at.map((t, k) => ({ k, ms: t - (start + (k * 1000) / rate) })).filter((x) => x.ms < -5);
		expect(early).toEqual([]);
		expect(new Set(textsTo(list).map((t) => t.to)).size).toBe(24);
	}, 30_000);

	it('a canceled campaign never sends the rest', async () => {
		const ws = await workspace();
		const list = phones(30);
		const id = await startCampaignTo(env, ws, list, { label: 'cancel', throttle: 5 });
		await waitFor(() => textsTo(list).length >= 3, { message: '3 texts sent' });
		await asOperator(env, ws, (tx) => tx`select public.cancel_campaign(${id})`);
		await sleep(1000);
		const atCancel = textsTo(list).length;
		await sleep(2500);
		expect(textsTo(list).length).toBe(atCancel);
		const [{ canceled, sent }] = await env.sql<{ canceled: number; sent: number }[]>`
			select count(*) filter (where status = 'canceled')::int as canceled,
			       count(*) filter (where twilio_sid is not null)::int as sent
			from public.sms_messages where campaign_id = ${id}`;
		expect(sent).toBe(atCancel);
		expect(canceled).toBe(30 - atCancel);
		expect((await campaignState(env.sql, id)).status).toBe('canceled');
	}, 30_000);

	it('skips opted-out numbers: at start, and one that opted out while the campaign was sending', async () => {
		const ws = await workspace();
		const list = phones(8);
		await env.sql`select public.record_phone_opt_out(${sealedPhoneText(list[1]!)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		const id = await startCampaignTo(env, ws, list, { label: 'optout', throttle: 4 });
		await env.sql`select public.record_phone_opt_out(${sealedPhoneText(list[7]!)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		await waitFor(async () => (await campaignState(env.sql, id)).status === 'completed', { timeoutMs: 15_000, message: 'campaign completed' });
		const got = new Set(textsTo(list).map((t) => t.to));
		expect(got.has(list[1]!)).toBe(false);
		expect(got.has(list[7]!)).toBe(false);
		expect(got.size).toBe(6);
		const [{ p }] = await asOperator(env, ws, (tx) => tx<{ p: { skipped: number; total: number } }[]>`select public.campaign_progress(${id}) as p`);
		expect(p).toMatchObject({ skipped: 2, total: 8 });
	}, 30_000);

	it('the failure breaker pauses a campaign whose recipients are the sandbox\'s failing numbers, naming the errors', async () => {
		const ws = await workspace();
		const failing = ['+15005550001', '+15005550002', '+15005550009', '+15005550010', '+15005550011', '+15005550012', '+15005550013', '+15005550014'];
		const list = [...failing, ...phones(42)];
		const id = await startCampaignTo(env, ws, list, { label: 'breaker', throttle: 10 });
		const state = await waitFor(async () => {
			const s = await campaignState(env.sql, id);
			return s.status === 'paused' ? s : null;
			// Generous: on a loaded machine (the fault tests run beside it) the texts become final slowly.
		}, { timeoutMs: 60_000, message: 'breaker paused the campaign' });
		expect(state.pause_reason).toMatch(/^failure_breaker: \d+ of the last \d+ finished texts failed/);
		expect(state.pause_reason).toMatch(/top errors: .*(21211|21612|21614|3000[3-8])/);
		await sleep(1500);
		const atTrip = textsTo(list).length;
		await sleep(1500);
		expect(textsTo(list).length).toBe(atTrip);
		expect(atTrip).toBeLessThan(list.length);
	}, 80_000);

	it('the spend cap stops a campaign before it would take the month past the cap', async () => {
		await env.sql`insert into public.sms_pricing (iso_country, price_unit, outbound_price, expires_at)
			values ('US', 'USD', 0.0079, now() + interval '1 day')
			on conflict (iso_country) do update set outbound_price = 0.0079, known = true, expires_at = now() + interval '1 day'`;
		const ws = await workspace();
		await env.sql`update public.organizations set monthly_spend_cap = 1 where id = ${ws.organizationId}`;
		const list = phones(20);
		// Started within the cap (20 × 0.0079); then the owner lowers it to 0.05: room for 6 texts.
		const id = await startCampaignTo(env, ws, list, { label: 'cap', throttle: 20, start: false });
		await env.sql`update public.organizations set monthly_spend_cap = 0.05 where id = ${ws.organizationId}`;
		await expectError(asOperator(env, ws, (tx) => tx`select public.start_campaign(${id})`), 'CM010');
		await env.sql`update public.organizations set monthly_spend_cap = 1 where id = ${ws.organizationId}`;
		await asOperator(env, ws, (tx) => tx`select public.start_campaign(${id})`);
		await env.sql`update public.organizations set monthly_spend_cap = 0.05 where id = ${ws.organizationId}`;
		const state = await waitFor(async () => {
			const s = await campaignState(env.sql, id);
			return s.status === 'paused' ? s : null;
		}, { timeoutMs: 15_000, message: 'spend cap paused the campaign' });
		expect(state.pause_reason).toMatch(/^spend_cap: .*cap of 0\.05 USD/);
		await sleep(1000);
		expect(textsTo(list)).toHaveLength(6);
	}, 30_000);
});

/** Deadlocks Postgres detected in this test's database so far. */
async function deadlocks(sql: WorkerTestEnv['sql']): Promise<number> {
	await sql`select pg_stat_clear_snapshot()`;
	const [{ n }] = await sql<{ n: number }[]>`select deadlocks::int as n from pg_stat_database where datname = current_database()`;
	return n;
}

async function expectError(p: Promise<unknown>, code: string): Promise<void> {
	await expect(p).rejects.toMatchObject({ code });
}

describe('a worker killed with SIGKILL mid-campaign', () => {
	// The new worker takes over many texts of one campaign at its tail (the last 64 texts, where
	// each status change locks the campaign row): every path must take the campaign's locks in
	// one order, so no transaction of the takeover is rolled back as a deadlock.
	it('sends no text twice once a new worker takes over', async () => {
		// This test's texts only: stop the in-process worker so the child processes do the work.
		await Promise.all(env.workers.map((w) => w.stop()));
		const ws = await workspace();
		const list = phones(120);
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 100 };
		const deadlocksBefore = await deadlocks(env.sql);
		// A lease long enough that a busy machine never lets a job's lease lapse mid-send (the worker
		// does not renew leases yet), and attempts enough that takeovers never dead-letter a text.
		const workerEnv = { WORKER_CONCURRENCY: '32', WORKER_LEASE_SECONDS: '5', WORKER_SETTLE_MS: '500', WORKER_MAX_ATTEMPTS: '20' };
		const first = await spawnWorker(env, workerEnv);
		children.push(first);
		// Started (it announces its health URL once it is claiming), so the kill lands mid-campaign.
		await first.healthUrl;
		const id = await startCampaignTo(env, ws, list, { label: 'crash', throttle: 100 });
		await waitFor(() => textsTo(list).length >= 40, { timeoutMs: 30_000, message: '40 texts sent' });
		first.child.kill('SIGKILL');
		expect((await first.exited).signal).toBe('SIGKILL');
		expect(textsTo(list).length).toBeLessThan(120);

		const second = await spawnWorker(env, workerEnv);
		children.push(second);
		await waitFor(
			async () => {
				const [{ n }] = await env.sql<{ n: number }[]>`
					select count(*)::int as n from public.sms_messages where campaign_id = ${id} and twilio_sid is not null`;
				return n === 120 && (await queueSettled(env.sql));
			},
			{ timeoutMs: 90_000, message: 'all 120 campaign texts stored with their SIDs' }
		).catch(async (e) => {
			console.log(JSON.stringify(await env.sql`select m.status, m.status_reason, j.status as job, j.run_at < now() as due, j.attempts, j.last_error, count(*)::int from public.sms_messages m left join public.queue_jobs j on j.id = m.queue_job_id where m.campaign_id = ${id} group by 1,2,3,4,5,6`));
			console.log(second.output().slice(-2500));
			throw e;
		});
		const texts = textsTo(list);
		expect(texts).toHaveLength(120);
		expect(new Set(texts.map((t) => t.to)).size).toBe(120);
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 0 };
		second.child.kill('SIGTERM');
		await second.exited;
		// Retried deadlocks still end with every text sent once, only later: count them. The
		// workers' backends have exited, so their statistics are flushed.
		const lastErrors = await env.sql<{ last_error: string }[]>`
			select j.last_error from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
			where m.campaign_id = ${id} and j.last_error is not null`;
		expect(lastErrors.filter((r) => /deadlock|could not serialize/i.test(r.last_error))).toEqual([]);
		expect(`${first.output()}${second.output()}`).not.toMatch(/deadlock detected/i);
		expect(await deadlocks(env.sql)).toBe(deadlocksBefore);
	}, 180_000);
});
