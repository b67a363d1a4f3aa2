import type { Sql } from '@sms/db';
import type { ClaimedJob } from '../types.ts';

/** The job-queue calls: claim, settle and give back send_sms jobs (each one statement). */

interface JobRow {
	id: string;
	job_type: string;
	payload: unknown;
	attempts: number;
	max_attempts: number;
	run_at: Date;
}

export async function claim(sql: Sql, options: { workerId: string; limit: number; leaseSeconds: number }): Promise<ClaimedJob[]> {
	const rows = await sql<JobRow[]>`
		select id, job_type, payload, attempts, max_attempts, run_at
		from public.claim_jobs(${options.workerId}, ${['send_sms']}::text[], ${options.limit}, ${options.leaseSeconds})`;
	return rows.map((r) => ({
		id: r.id,
		jobType: r.job_type,
		payload: r.payload,
		attempts: r.attempts,
		maxAttempts: r.max_attempts,
		runAt: r.run_at
	}));
}

/** When the next pending job of these types falls due (after now), or null if none is waiting. */
export async function nextRunAt(sql: Sql, jobTypes: string[]): Promise<Date | null> {
	const [row] = await sql<{ at: Date | null }[]>`select public.next_job_run_at(${jobTypes}::text[]) as at`;
	return row?.at ?? null;
}

export async function completeJob(sql: Sql, jobId: string, workerId: string): Promise<boolean> {
	const [row] = await sql<{ ok: boolean }[]>`select public.complete_job(${jobId}, ${workerId}) as ok`;
	return row.ok;
}

export async function failJob(sql: Sql, jobId: string, workerId: string, error: string): Promise<boolean> {
	const [row] = await sql<{ ok: boolean }[]>`select public.fail_job(${jobId}, ${workerId}, ${error}) as ok`;
	return row.ok;
}

/** Returns 'pending' (will run again at runAt), 'failed' (attempts used up), or null (lease lost). */
export async function retryJob(sql: Sql, jobId: string, workerId: string, error: string, runAt: Date): Promise<'pending' | 'failed' | null> {
	const rows = await sql<{ status: 'pending' | 'failed' }[]>`
		select status from public.retry_job(${jobId}, ${workerId}, ${error}, ${runAt}) as status`;
	return rows[0]?.status ?? null;
}

export async function releaseJobs(sql: Sql, workerId: string, jobIds: string[]): Promise<number> {
	if (jobIds.length === 0) return 0;
	const [row] = await sql<{ n: number }[]>`select public.release_jobs(${workerId}, ${jobIds}::uuid[]) as n`;
	return row.n;
}

export async function queueDepth(sql: Sql): Promise<number> {
	const [row] = await sql<{ n: number }[]>`
		select count(*)::int as n from public.queue_jobs
		where job_type = 'send_sms' and status = 'pending' and run_at <= now()`;
	return row.n;
}

/** Extends the leases of the jobs this worker still holds (one statement); returns how many. */
export async function renewLeases(sql: Sql, workerId: string, jobIds: string[], leaseSeconds: number): Promise<number> {
	if (jobIds.length === 0) return 0;
	const [row] = await sql<{ n: number }[]>`select public.renew_job_leases(${workerId}, ${jobIds}::uuid[], ${leaseSeconds}) as n`;
	return row.n;
}
