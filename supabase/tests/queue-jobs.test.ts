/** The job queue: claims under leases with SKIP LOCKED, as several workers would run them. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;

interface Job {
	id: string;
	status: string;
	attempts: number;
	locked_by: string | null;
	priority: number;
}

beforeAll(async () => {
	t = await createTestDatabase();
});

afterAll(async () => {
	await t?.close();
});

beforeEach(async () => {
	await t.sql`delete from public.queue_jobs`;
});

async function enqueue(count: number, options: { type?: string; priority?: number; runAt?: Date; maxAttempts?: number } = {}): Promise<void> {
	await t.sql`insert into public.queue_jobs (job_type, payload, priority, run_at, max_attempts)
		select ${options.type ?? 'send_sms'}, jsonb_build_object('n', i), ${options.priority ?? 2},
		       coalesce(${options.runAt ?? null}::timestamptz, now()), ${options.maxAttempts ?? 5}
		from generate_series(1, ${count}) i`;
}

async function claim(sql: postgres.Sql, worker: string, limit: number, leaseSeconds = 60, types = ['send_sms']): Promise<Job[]> {
	return sql<Job[]>`select id, status, attempts, locked_by, priority from public.claim_jobs(${worker}, ${types}, ${limit}, ${leaseSeconds})`;
}

async function call<T extends postgres.Row>(query: string, params: unknown[]): Promise<T> {
	const rows = await t.db.asService((tx) => tx.unsafe<T[]>(query, params as never[]));
	return rows[0];
}

describe('claim_jobs', () => {
	it('4 concurrent claimers on separate connections drain 2,000 jobs, each claimed exactly once', async () => {
		await enqueue(2000);
		const claimed: string[][] = [[], [], [], []];
		const clients = claimed.map(() => postgres(t.url, { max: 1, onnotice: () => {} }));
		try {
			await Promise.all(
				clients.map(async (client, w) => {
					for (;;) {
						const jobs = await client.begin(async (tx) => {
							await tx`set local role service_role`;
							return tx<{ id: string }[]>`select id from public.claim_jobs(${`w${w}`}, array['send_sms'], 25, 60)`;
						});
						if (jobs.length === 0) return;
						claimed[w].push(...jobs.map((j) => j.id));
						await client`select public.complete_job(id, ${`w${w}`}) from unnest(${jobs.map((j) => j.id)}::uuid[]) as id`;
					}
				})
			);
		} finally {
			await Promise.all(clients.map((c) => c.end()));
		}
		const all = claimed.flat();
		expect(all.length).toBe(2000);
		expect(new Set(all).size).toBe(2000);
		// Every worker got a share: the claim does not serialise on one lock.
		for (const ids of claimed) expect(ids.length).toBeGreaterThan(0);
		const [left] = await t.sql`select count(*)::int as n from public.queue_jobs where status <> 'completed'`;
		expect(left.n).toBe(0);
		const [attempts] = await t.sql`select max(attempts) as max, min(attempts) as min from public.queue_jobs`;
		expect(attempts).toEqual({ max: 1, min: 1 });
	});

	it('claims by priority, then run_at, and skips jobs not yet due or of other types', async () => {
		await enqueue(1, { priority: 3 });
		await enqueue(1, { priority: 0 });
		await enqueue(1, { priority: 1, runAt: new Date(Date.now() + 60_000) });
		await enqueue(1, { priority: 0, type: 'reconcile' });
		const jobs = await claim(t.sql, 'w1', 10);
		expect(jobs.map((j) => j.priority)).toEqual([0, 3]);
		expect(jobs.every((j) => j.status === 'processing' && j.locked_by === 'w1' && j.attempts === 1)).toBe(true);
	});

	it('reclaims a job whose lease expired, counting the attempt', async () => {
		await enqueue(1);
		const [first] = await claim(t.sql, 'crashed', 1, 1);
		expect(await claim(t.sql, 'other', 1)).toEqual([]);
		await t.sql`update public.queue_jobs set locked_until = now() - interval '1 second' where id = ${first.id}`;
		const [again] = await claim(t.sql, 'other', 1);
		expect(again).toMatchObject({ id: first.id, locked_by: 'other', attempts: 2 });
		// The crashed worker has lost the lease: it can no longer complete the job.
		const stale = await call<{ ok: boolean }>('select public.complete_job($1, $2) as ok', [first.id, 'crashed']);
		expect(stale.ok).toBe(false);
	});

	it('only the lease holder can complete, fail, retry, reschedule or release', async () => {
		await enqueue(1);
		const [job] = await claim(t.sql, 'holder', 1);
		const intruder = [
			call<{ r: boolean }>("select public.complete_job($1, 'intruder') as r", [job.id]),
			call<{ r: boolean }>("select public.fail_job($1, 'intruder', 'x') as r", [job.id]),
			call<{ r: string | null }>("select public.retry_job($1, 'intruder', 'x', now()) as r", [job.id]),
			call<{ r: boolean }>("select public.reschedule_job($1, 'intruder', now()) as r", [job.id]),
			call<{ r: number }>("select public.release_jobs('intruder', array[$1::uuid]) as r", [job.id])
		];
		expect((await Promise.all(intruder)).map((row) => row.r)).toEqual([false, false, null, false, 0]);
		const [still] = await t.sql`select status, locked_by from public.queue_jobs where id = ${job.id}`;
		expect(still).toEqual({ status: 'processing', locked_by: 'holder' });
		const done = await call<{ r: boolean }>("select public.complete_job($1, 'holder') as r", [job.id]);
		expect(done.r).toBe(true);
		const [after] = await t.sql`select status, completed_at from public.queue_jobs where id = ${job.id}`;
		expect(after.status).toBe('completed');
		expect(after.completed_at).toBeInstanceOf(Date);
	});

	it('complete_jobs completes a whole batch in one call, only the jobs this worker holds', async () => {
		await enqueue(5);
		const mine = await claim(t.sql, 'holder', 3);
		const theirs = await claim(t.sql, 'other', 2);
		const ids = [...mine, ...theirs].map((j) => j.id);
		const done = await call<{ r: number }>("select public.complete_jobs($1::uuid[], 'holder') as r", [ids]);
		expect(done.r).toBe(3);
		const rows = await t.sql<{ locked_by: string; status: string }[]>`
			select locked_by, status from public.queue_jobs order by locked_by, status`;
		expect(rows.map((r) => `${r.locked_by}:${r.status}`)).toEqual([
			'holder:completed', 'holder:completed', 'holder:completed', 'other:processing', 'other:processing'
		]);
	});

	it('retry_job puts the job back at the caller\'s time, then fails it once attempts are used up', async () => {
		await enqueue(1, { maxAttempts: 2 });
		const [job] = await claim(t.sql, 'w', 1);
		const later = new Date(Date.now() + 30_000);
		const first = await call<{ r: string }>("select public.retry_job($1, 'w', 'HTTP 503', $2) as r", [job.id, later]);
		expect(first.r).toBe('pending');
		const [pending] = await t.sql`select run_at, last_error, locked_by from public.queue_jobs where id = ${job.id}`;
		expect(pending).toEqual({ run_at: later, last_error: 'HTTP 503', locked_by: null });
		expect(await claim(t.sql, 'w', 1)).toEqual([]); // not due yet
		await t.sql`update public.queue_jobs set run_at = now() where id = ${job.id}`;
		const [second] = await claim(t.sql, 'w', 1);
		expect(second.attempts).toBe(2);
		const last = await call<{ r: string }>("select public.retry_job($1, 'w', 'HTTP 503 again', now()) as r", [job.id]);
		expect(last.r).toBe('failed');
		expect(await claim(t.sql, 'w', 1)).toEqual([]);
	});

	it('fail_job is permanent', async () => {
		await enqueue(1);
		const [job] = await claim(t.sql, 'w', 1);
		const failed = await call<{ r: boolean }>("select public.fail_job($1, 'w', '21211 invalid number') as r", [job.id]);
		expect(failed.r).toBe(true);
		const [row] = await t.sql`select status, last_error from public.queue_jobs where id = ${job.id}`;
		expect(row).toEqual({ status: 'failed', last_error: '21211 invalid number' });
		expect(await claim(t.sql, 'w', 1)).toEqual([]);
	});

	it('release_jobs and reschedule_job give jobs back without counting the attempt', async () => {
		await enqueue(2);
		const [a, b] = await claim(t.sql, 'w', 2);
		const released = await call<{ r: number }>("select public.release_jobs('w', array[$1::uuid]) as r", [a.id]);
		expect(released.r).toBe(1);
		const quietUntil = new Date(Date.now() + 8 * 3600_000);
		const deferred = await call<{ r: boolean }>("select public.reschedule_job($1, 'w', $2) as r", [b.id, quietUntil]);
		expect(deferred.r).toBe(true);
		const rows = await t.sql`select id, status, attempts, run_at from public.queue_jobs order by run_at`;
		expect(rows).toMatchObject([
			{ id: a.id, status: 'pending', attempts: 0 },
			{ id: b.id, status: 'pending', attempts: 0, run_at: quietUntil }
		]);
		const [again] = await claim(t.sql, 'w', 5);
		expect(again).toMatchObject({ id: a.id, attempts: 1 });
	});

	it('renew_job_leases extends, in one call, the leases of the jobs this worker still holds and no others', async () => {
		await enqueue(4);
		const mine = await claim(t.sql, 'holder', 3, 1);
		const [theirs] = await claim(t.sql, 'other', 1, 30);
		await call("select public.complete_job($1, 'holder')", [mine[2]!.id]);
		const ids = [...mine, theirs!].map((j) => j.id);
		const renewed = await call<{ r: number }>("select public.renew_job_leases('holder', $1::uuid[], 120) as r", [ids]);
		expect(renewed.r).toBe(2);
		const rows = await t.sql<{ id: string; left: number }[]>`
			select id, extract(epoch from locked_until - now())::int as left from public.queue_jobs where locked_until is not null`;
		const left = new Map(rows.map((r) => [r.id, r.left]));
		expect(left.get(mine[0]!.id)).toBeGreaterThan(100);
		expect(left.get(mine[1]!.id)).toBeGreaterThan(100);
		expect(left.get(theirs!.id)).toBeLessThanOrEqual(30);
		// A renewal never shortens a lease, and a job past its lease is not claimable once renewed.
		await call("select public.renew_job_leases('holder', $1::uuid[], 1)", [ids]);
		const [{ left: still }] = await t.sql<{ left: number }[]>`
			select extract(epoch from locked_until - now())::int as left from public.queue_jobs where id = ${mine[0]!.id}`;
		expect(still).toBeGreaterThan(100);
		await t.sql`update public.queue_jobs set locked_until = now() - interval '1 second' where id = ${mine[1]!.id}`;
		await call("select public.renew_job_leases('holder', array[$1::uuid], 60)", [mine[1]!.id]);
		expect(await claim(t.sql, 'thief', 5)).toEqual([]);
	});

	it('enqueue_job deduplicates while a job with the key is pending or processing', async () => {
		const first = await call<{ id: string }>("select public.enqueue_job('reconcile', '{}'::jsonb, 2::smallint, null, $1) as id", ['rec-1']);
		const second = await call<{ id: string }>("select public.enqueue_job('reconcile', '{}'::jsonb, 2::smallint, null, $1) as id", ['rec-1']);
		expect(second.id).toBe(first.id);
		const [job] = await claim(t.sql, 'w', 1, 60, ['reconcile']);
		await call("select public.complete_job($1, 'w')", [job.id]);
		const third = await call<{ id: string }>("select public.enqueue_job('reconcile', '{}'::jsonb, 2::smallint, null, $1) as id", ['rec-1']);
		expect(third.id).not.toBe(first.id);
	});
});
