/**
 * The overview's rollups (sms_latency_rollups, sms_failure_rollups) as maps, both as the
 * database keeps them and as counting sms_messages gives them — the expected side computed
 * here in TypeScript (buckets by src/lib/server/console/latency.ts), not by the SQL under test.
 */
import type { Sql } from '@sms/db';
import { latencyBucket } from '../../src/lib/server/console/latency.ts';

export type Sums = Record<string, number>;

/** org|hour|latency:b → count and ms, org|hour|error:code → count. */
export async function expectedOverview(sql: Sql): Promise<Sums> {
	const rows = await sql<{ org: string; bucket: Date; status: string; error_code: number | null; ms: string | null }[]>`
		select organization_id as org, date_trunc('hour', created_at) as bucket, status, error_code,
			case when status = 'delivered' and sent_at is not null and delivered_at is not null
				then (extract(epoch from delivered_at - sent_at) * 1000)::text end as ms
		from public.sms_messages where direction = 'outbound' and organization_id is not null`;
	const out: Sums = {};
	const add = (k: string, v: number) => (out[k] = (out[k] ?? 0) + v);
	for (const r of rows) {
		const base = `${r.org}|${r.bucket.toISOString()}`;
		if (r.ms !== null) {
			const ms = Math.max(0, Math.round(Number(r.ms)));
			add(`${base}|latency:${latencyBucket(ms)}|n`, 1);
			add(`${base}|latency:${latencyBucket(ms)}|ms`, ms);
		}
		if (r.status === 'failed' || r.status === 'undelivered') add(`${base}|error:${r.error_code ?? 0}`, 1);
	}
	return out;
}

export async function actualOverview(sql: Sql): Promise<Sums> {
	const latency = await sql<{ org: string; bucket: Date; b: number; n: string; ms: string }[]>`
		select organization_id as org, bucket, latency_bucket as b, sum(messages)::text as n, sum(latency_ms)::text as ms
		from public.sms_latency_rollups group by 1, 2, 3`;
	const failures = await sql<{ org: string; bucket: Date; code: number; n: string }[]>`
		select organization_id as org, bucket, error_code as code, sum(messages)::text as n
		from public.sms_failure_rollups group by 1, 2, 3`;
	const out: Sums = {};
	for (const r of latency) {
		const base = `${r.org}|${r.bucket.toISOString()}|latency:${r.b}`;
		if (Number(r.n) !== 0) out[`${base}|n`] = Number(r.n);
		if (Number(r.ms) !== 0) out[`${base}|ms`] = Number(r.ms);
	}
	for (const r of failures) if (Number(r.n) !== 0) out[`${r.org}|${r.bucket.toISOString()}|error:${r.code}`] = Number(r.n);
	return out;
}

/** Zero sums are no information: drop them so "no row" and "a row of 0" compare equal. */
export function nonZero(s: Sums): Sums {
	return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)));
}
