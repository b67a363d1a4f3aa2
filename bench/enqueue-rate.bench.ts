/**
 * queue_sms_message rates, as application code calls it with the service role:
 * single calls (16 in flight over a 10-connection pool, as concurrent requests would), and the
 * set-based queue_sms_messages_bulk for campaigns (5,000 rows per call) — each beside
 * graphile-worker's addJob / addJobs doing the same number of calls, same concurrency, same
 * pool size, on its own fresh Postgres in the same run.
 */
import { Logger, makeWorkerUtils } from 'graphile-worker';
import { createWorkerPool } from '../apps/worker/src/db.ts';
import { createBenchUsers, startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const SINGLE = 5_000;
const IN_FLIGHT = 16;
const SEQUENTIAL = 1000;
const BULK = 50_000;
const BULK_CHUNK = 5_000;

/** graphile-worker's addJob (single calls) and addJobs (bulk), same shapes as ours. */
async function graphile(): Promise<{ singleRate: number; seqMs: number; bulkRate: number }> {
	const db = await startBenchDatabase('enqueue-graphile');
	const logger = new Logger(() => () => {});
	const utils = await makeWorkerUtils({ connectionString: db.url, logger });
	try {
		await utils.migrate();
		// makeWorkerUtils' pool is node-postgres' default: 10 connections, as ours.
		let next = 0;
		const started = performance.now();
		await Promise.all(
			Array.from({ length: IN_FLIGHT }, async () => {
				for (let i = next++; i < SINGLE; i = next++) {
					await utils.addJob('send_sms', { text: `Reminder ${i}: your appointment is tomorrow at 10:00.` });
				}
			})
		);
		const singleRate = SINGLE / ((performance.now() - started) / 1000);
		const seqStart = performance.now();
		for (let i = 0; i < SEQUENTIAL; i++) await utils.addJob('send_sms', { text: `Sequential ${i}` });
		const seqMs = (performance.now() - seqStart) / SEQUENTIAL;
		const specs = Array.from({ length: BULK }, (_, i) => ({
			identifier: 'send_sms',
			payload: { text: `Campaign: 20% off this weekend, code SAVE${i % 1000}. Reply STOP to opt out.` }
		}));
		const bulkStart = performance.now();
		for (let i = 0; i < BULK; i += BULK_CHUNK) await utils.addJobs(specs.slice(i, i + BULK_CHUNK));
		const bulkRate = BULK / ((performance.now() - bulkStart) / 1000);
		return { singleRate, seqMs, bulkRate };
	} finally {
		await utils.release();
		await db.stop();
	}
}

export async function run(): Promise<BenchResult[]> {
	const peer = await graphile();
	const db = await startBenchDatabase('enqueue');
	const sql = createWorkerPool({ url: db.url, max: 10 });
	try {
		const users = await createBenchUsers(db.sql, 100, 50);

		// Single calls: each is its own transaction (message + job + NOTIFY), durable commit.
		let next = 0;
		const started = performance.now();
		await Promise.all(
			Array.from({ length: IN_FLIGHT }, async () => {
				for (let i = next++; i < SINGLE; i = next++) {
					const u = users[i % users.length]!;
					await sql`select public.queue_sms_message(
						p_user_id => ${u.userId}, p_phone_sealed => null,
						p_message => ${`Reminder ${i}: your appointment is tomorrow at 10:00.`}, p_priority => 'normal')`;
				}
			})
		);
		const singleRate = SINGLE / ((performance.now() - started) / 1000);

		// Sequential single calls: the latency one caller sees.
		const seqN = SEQUENTIAL;
		const seqStart = performance.now();
		for (let i = 0; i < seqN; i++) {
			const u = users[i % users.length]!;
			await sql`select public.queue_sms_message(p_user_id => ${u.userId}, p_phone_sealed => null, p_message => ${`Sequential ${i}`})`;
		}
		const seqMs = (performance.now() - seqStart) / seqN;

		const rows = Array.from({ length: BULK }, (_, i) => ({
			user_id: users[i % users.length]!.userId,
			message: `Campaign: 20% off this weekend, code SAVE${i % 1000}. Reply STOP to opt out.`
		}));
		const bulkStart = performance.now();
		for (let i = 0; i < BULK; i += BULK_CHUNK) {
			await sql`select count(*) from public.queue_sms_messages_bulk(${sql.json(rows.slice(i, i + BULK_CHUNK))})`;
		}
		const bulkRate = BULK / ((performance.now() - bulkStart) / 1000);

		const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where job_type = 'send_sms'`;
		if (n !== SINGLE + seqN + BULK) throw new Error(`expected ${SINGLE + seqN + BULK} jobs, found ${n}`);

		return [
			{
				name: 'queue_sms_message, single calls',
				value: singleRate,
				unit: 'texts/s',
				peer: { name: 'graphile-worker addJob', value: peer.singleRate },
				target: '>= 2000',
				notes: `${SINGLE} calls each, ${IN_FLIGHT} in flight, pool 10, fsync on; ours also checks the user, phone and type and writes the message row`
			},
			{
				name: 'queue_sms_message, one caller in sequence',
				value: seqMs,
				unit: 'ms/call',
				peer: { name: 'graphile-worker addJob in sequence', value: peer.seqMs },
				notes: `${seqN} calls back to back (lower is better)`
			},
			{
				name: 'queue_sms_messages_bulk (campaigns)',
				value: bulkRate,
				unit: 'texts/s',
				peer: { name: 'graphile-worker addJobs', value: peer.bulkRate },
				target: '>= 20000',
				notes: `${BULK} rows each, in calls of ${BULK_CHUNK}`
			}
		];
	} finally {
		await sql.end();
		await db.stop();
	}
}
