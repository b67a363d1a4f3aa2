/**
 * Bare queue throughput: claim + complete of no-op jobs through our SQL API (claim_jobs with
 * SKIP LOCKED leases, complete_job), beside graphile-worker draining the same number of no-op
 * jobs, in the same run, on a fresh Postgres each, same pool size (10 connections).
 */
import { makeWorkerUtils, run as runGraphile, Logger } from 'graphile-worker';
import { createWorkerPool } from '../apps/worker/src/db.ts';
import { startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const JOBS = 20_000;
const POOL = 10;

/** Our queue: a few claim loops (as several workers would), each claiming 100 and completing them in one statement. */
export async function ours(): Promise<{ rate: number; note: string }> {
	const db = await startBenchDatabase('queue-ours');
	try {
		await db.sql`
			insert into public.queue_jobs (job_type, payload)
			select 'noop', jsonb_build_object('n', g) from generate_series(1, ${JOBS}) g`;
		await db.sql`vacuum analyze public.queue_jobs`;
		const sql = createWorkerPool({ url: db.url, max: POOL });
		const [{ setBased }] = await sql<{ setBased: boolean }[]>`
			select to_regprocedure('public.complete_jobs(uuid[], text)') is not null as "setBased"`;
		const loops = Number(process.env.BENCH_QUEUE_LOOPS ?? 4);
		const batch = Number(process.env.BENCH_QUEUE_BATCH ?? 100);
		const started = performance.now();
		let done = 0;
		await Promise.all(
			Array.from({ length: loops }, async (_, i) => {
				const workerId = `bench-${i}`;
				for (;;) {
					const jobs = await sql<{ id: string }[]>`select id from public.claim_jobs(${workerId}, ${['noop']}::text[], ${batch}, 60)`;
					if (jobs.length === 0) return;
					// One statement completes the whole batch (set-based complete_jobs when the schema has it).
					const ids = jobs.map((j) => j.id);
					if (setBased) await sql`select public.complete_jobs(${ids}::uuid[], ${workerId})`;
					else await sql`select public.complete_job(u.id, ${workerId}) from unnest(${ids}::uuid[]) as u(id)`;
					done += jobs.length;
				}
			})
		);
		const seconds = (performance.now() - started) / 1000;
		await sql.end();
		if (done !== JOBS) throw new Error(`our queue completed ${done} of ${JOBS}`);
		return { rate: JOBS / seconds, note: `${loops} claim loops × ${batch}, completion per batch via ${setBased ? 'complete_jobs' : 'complete_job per row (no set-based complete_jobs in the schema)'}` };
	} finally {
		await db.stop();
	}
}

/** graphile-worker 0.18 with its documented batching (local queue, batched completion). */
async function graphile(options: { tuned: boolean }): Promise<number> {
	const db = await startBenchDatabase('queue-graphile');
	const logger = new Logger(() => () => {});
	try {
		const utils = await makeWorkerUtils({ connectionString: db.url, logger });
		await utils.migrate();
		for (let i = 0; i < JOBS; i += 5000) {
			await utils.addJobs(Array.from({ length: Math.min(5000, JOBS - i) }, (_, k) => ({ identifier: 'noop', payload: { n: i + k } })));
		}
		await utils.release();
		let done = 0;
		let finish: () => void = () => {};
		const finished = new Promise<void>((r) => (finish = r));
		const started = performance.now();
		const runner = await runGraphile({
			connectionString: db.url,
			maxPoolSize: POOL,
			concurrency: POOL,
			noHandleSignals: true,
			pollInterval: 1000,
			logger,
			taskList: {
				noop: async () => {
					if (++done === JOBS) finish();
				}
			},
			...(options.tuned
				? { preset: { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 0 } } }
				: {})
		});
		await finished;
		// Completion may be batched: wait until the table is really empty.
		for (;;) {
			const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from graphile_worker._private_jobs`;
			if (n === 0) break;
			await new Promise((r) => setTimeout(r, 2));
		}
		const seconds = (performance.now() - started) / 1000;
		await runner.stop();
		return JOBS / seconds;
	} finally {
		await db.stop();
	}
}

export async function run(): Promise<BenchResult[]> {
	const { rate: oursRate, note: oursNote } = await ours();
	const graphileDefault = await graphile({ tuned: false });
	const graphileTuned = await graphile({ tuned: true });
	const best = Math.max(graphileDefault, graphileTuned);
	const note = `${JOBS} no-op jobs, pool ${POOL}`;
	return [
		{
			name: 'queue claim+complete (ours)',
			value: oursRate,
			unit: 'jobs/s',
			peer: { name: 'best graphile-worker', value: best },
			ratioTarget: '>= 1.5',
			notes: `${note}, ${oursNote}`
		},
		{
			name: 'graphile-worker (defaults)',
			value: graphileDefault,
			unit: 'jobs/s',
			peer: { name: 'graphile-worker (localQueue 100, batched completion)', value: graphileTuned },
			notes: `${note}, concurrency ${POOL}`
		}
	];
}
