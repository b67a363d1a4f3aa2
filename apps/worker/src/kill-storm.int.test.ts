/**
 * Fault test (issue 16, CI size): the real worker process is killed with SIGKILL 10 times at
 * random moments while it drains 1,000 texts. Every text must reach the sandbox exactly once,
 * and once a last worker has recovered, no text or job may be left half-way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createSmsUser,
	nextPhone,
	queueSettled,
	sandboxTexts,
	setupWorkerEnv,
	spawnWorker,
	waitFor,
	type WorkerChild,
	type WorkerTestEnv
} from '../test/fixtures.ts';

const TEXTS = 1_000;
const KILLS = 10;

let env: WorkerTestEnv;
const children: WorkerChild[] = [];

beforeAll(async () => {
	env = await setupWorkerEnv();
});
afterAll(async () => {
	for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await env.close();
});

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = Math.imul(a ^ (a >>> 15), 1 | a);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
}

describe(`the worker killed with SIGKILL ${KILLS} times while draining ${TEXTS} texts`, () => {
	it('sends every text exactly once and leaves nothing half-way', async () => {
		const seed = Number(process.env.KILL_STORM_SEED ?? Date.now() % 1_000_000);
		const rand = random(seed);
		const users = await Promise.all(
			Array.from({ length: 100 }, async () => {
				const phone = nextPhone();
				return { phone, userId: await createSmsUser(env.sql, { phone, dailyLimit: 50 }) };
			})
		);
		const rows = users.flatMap((u, i) => Array.from({ length: TEXTS / users.length }, (_, j) => ({ user_id: u.userId, message: `storm ${i}-${j}` })));
		await env.sql`select public.queue_sms_messages_bulk(${env.sql.json(rows)})`;
		// Twilio takes 60 ms per call: at any moment many sends sit between "calling Twilio" and
		// "storing the SID", which is where a kill hurts.
		env.sandbox.state.faults = { ...env.sandbox.state.faults, latencyMs: 60 };
		const workerEnv = { WORKER_CONCURRENCY: '32', WORKER_LEASE_SECONDS: '3', WORKER_SETTLE_MS: '300' };

		const started = Date.now();
		const kills: { at: number; sent: number; dispatching: number }[] = [];
		for (let k = 1; k <= KILLS; k++) {
			// A random point in the k-th tenth of the drain (never past 94 %), so every kill lands mid-drain.
			const target = Math.floor(TEXTS * (0.09 * k - 0.05 + rand() * 0.05));
			const worker = await spawnWorker(env, workerEnv);
			children.push(worker);
			await waitFor(() => sandboxTexts(env.sandbox).length >= target, {
				timeoutMs: 60_000,
				message: `kill ${k} (seed ${seed}): ${target} texts sent`
			}).catch((e: unknown) => {
				console.log(worker.output().slice(-3000)); // why, when it fails
				throw e;
			});
			worker.child.kill('SIGKILL');
			expect((await worker.exited).signal).toBe('SIGKILL');
			const [{ dispatching }] = await env.sql<{ dispatching: number }[]>`
				select count(*)::int as dispatching from public.sms_messages where status = 'dispatching'`;
			kills.push({ at: Date.now() - started, sent: sandboxTexts(env.sandbox).length, dispatching });
		}
		// The kills really interrupted the drain, and (most of the time) sends in flight.
		expect(kills.at(-1)!.sent).toBeLessThan(TEXTS);
		expect(kills.filter((k) => k.dispatching > 0).length, `seed ${seed}: ${JSON.stringify(kills)}`).toBeGreaterThanOrEqual(KILLS / 2);

		const last = await spawnWorker(env, workerEnv);
		children.push(last);
		await waitFor(
			async () => {
				const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where twilio_sid is not null`;
				return n === TEXTS && (await queueSettled(env.sql));
			},
			{ timeoutMs: 90_000, message: `seed ${seed}: all ${TEXTS} texts stored with their SIDs` }
		).catch(async (e: unknown) => {
			const states = await env.sql`select m.status, j.status as job, j.last_error, count(*)::int as n from public.sms_messages m
				left join public.queue_jobs j on j.id = m.queue_job_id group by 1, 2, 3 order by 4 desc`;
			console.log(JSON.stringify(states), last.output().slice(-3000)); // why, when it fails
			throw e;
		});

		// Counted at the sandbox: each body exactly once.
		const texts = sandboxTexts(env.sandbox);
		const seen = new Map<string, number>();
		for (const t of texts) seen.set(t.body, (seen.get(t.body) ?? 0) + 1);
		expect([...seen].filter(([, n]) => n > 1), `seed ${seed}: sent twice`).toEqual([]);
		expect(texts).toHaveLength(TEXTS);
		expect(new Set(texts.map((t) => t.body)).size).toBe(TEXTS);
		const stored = await env.sql<{ body: string; sid: string }[]>`
			select message_content as body, twilio_sid as sid from public.sms_messages where twilio_sid is not null`;
		const sidByBody = new Map(texts.map((t) => [t.body, t.sid]));
		for (const s of stored) expect(s.sid).toBe(sidByBody.get(s.body));
		// Nothing half-way: no text before or inside the hand-over, every job completed.
		const [state] = await env.sql<{ unsent: number; jobs: number; completed: number }[]>`
			select (select count(*)::int from public.sms_messages where status in ('pending', 'scheduled', 'dispatching')) as unsent,
			       (select count(*)::int from public.queue_jobs where status in ('pending', 'processing')) as jobs,
			       (select count(*)::int from public.queue_jobs where status = 'completed') as completed`;
		expect(state).toEqual({ unsent: 0, jobs: 0, completed: TEXTS });
		console.info(`kill storm: seed ${seed}, ${KILLS} kills in ${kills.at(-1)!.at} ms, done in ${Date.now() - started} ms`, JSON.stringify(kills));

		last.child.kill('SIGTERM');
		expect((await last.exited).code).toBe(0);
		// Most of the time goes to starting 11 worker processes (tsx, the twilio SDK): about 1 s
		// each on an idle machine, several on a loaded one.
	}, 600_000);
});
