/**
 * The overview's rollups (sms_latency_rollups, sms_failure_rollups) as maps, both as the
 * database keeps them and as counting sms_messages gives them — the expected side computed
 * here in TypeScript (buckets by src/lib/server/console/latency.ts), not by the SQL under test.
 */
import type { Sql } from '@sms/db';
import { latencyBucket } from '../../src/lib/server/console/latency.ts';

export type Sums = Record<string, number>;

const utcDay = (d: Date) => d.toISOString().slice(0, 10);
const micros = (v: string | null) => (v === null ? 0 : Math.round(Number(v) * 1e6));

/**
 * org|hour|latency:b → count and ms, org|hour|error:code → count; and sms_overview_rollups'
 * kinds: ov|org|hour|status → count, price (millionths), priced; ov|org|utc-day|status|type|code
 * → count; ov|org|utc-day|latency:b → count and ms; ov|org|utc-day|error:code → count.
 */
export async function expectedOverview(sql: Sql): Promise<Sums> {
	const rows = await sql<{ org: string; bucket: Date; status: string; error_code: number | null; ms: string | null; type: string; code: string | null; price: string | null }[]>`
		select organization_id as org, date_trunc('hour', created_at) as bucket, status, error_code,
			notification_type as type, calling_code as code, price::text as price,
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
		const hour = `ov|${r.org}|${r.bucket.toISOString()}|${r.status}`;
		add(`${hour}|n`, 1);
		add(`${hour}|price`, micros(r.price));
		add(`${hour}|priced`, r.price === null ? 0 : 1);
		const day = `ov|${r.org}|${utcDay(r.bucket)}`;
		add(`${day}|${r.status}|${r.type}|${r.code ?? ''}|n`, 1);
		if (r.ms !== null) {
			const ms = Math.max(0, Math.round(Number(r.ms)));
			add(`${day}|latency:${latencyBucket(ms)}|n`, 1);
			add(`${day}|latency:${latencyBucket(ms)}|ms`, ms);
		}
		if (r.status === 'failed' || r.status === 'undelivered') add(`${day}|error:${r.error_code ?? 0}`, 1);
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
	const kinds = await sql<{ org: string; kind: string; bucket: Date; status: string; type: string; code: string; b: number; error: number; n: string; price: string; priced: string; ms: string }[]>`
		select organization_id as org, kind, bucket, status, notification_type as type, calling_code as code,
			latency_bucket as b, error_code as error, sum(messages)::text as n, sum(price)::text as price,
			sum(priced)::text as priced, sum(latency_ms)::text as ms
		from public.sms_overview_rollups group by 1, 2, 3, 4, 5, 6, 7, 8`;
	const put = (k: string, v: number) => {
		if (v !== 0) out[k] = v;
	};
	for (const r of kinds) {
		if (r.kind === 'hour') {
			const hour = `ov|${r.org}|${r.bucket.toISOString()}|${r.status}`;
			put(`${hour}|n`, Number(r.n));
			put(`${hour}|price`, micros(r.price));
			put(`${hour}|priced`, Number(r.priced));
			continue;
		}
		const day = `ov|${r.org}|${utcDay(r.bucket)}`;
		if (r.kind === 'day') put(`${day}|${r.status}|${r.type}|${r.code}|n`, Number(r.n));
		if (r.kind === 'latency') {
			put(`${day}|latency:${r.b}|n`, Number(r.n));
			put(`${day}|latency:${r.b}|ms`, Number(r.ms));
		}
		if (r.kind === 'failure') put(`${day}|error:${r.error}`, Number(r.n));
	}
	return out;
}

/** Zero sums are no information: drop them so "no row" and "a row of 0" compare equal. */
export function nonZero(s: Sums): Sums {
	return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)));
}
