/**
 * History page query over a large sms_messages table: 1,000,000 texts of 10,000 users by
 * default (BENCH_HISTORY_ROWS=10000000 for ten million), generated set-based in a throw-away
 * embedded Postgres. Times the exact keyset query the /history page runs (queryHistory), as the
 * signed-in user through asUser, so row-level security is part of the measurement.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDb, migrate, newPhoneKey, PhoneCipher, type Db } from '@sms/db';
import { startEmbeddedPostgres } from '@sms/db/embedded';
import { queryHistory, type HistoryCursor } from '../src/lib/server/sms/history-query.ts';
import type { BenchResult } from '../scripts/bench.ts';

const USERS = 10_000;
const ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_HISTORY_SAMPLES ?? 400);
const PAGE = 50;
const CHUNK = 500_000;

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function say(message: string): void {
	process.stderr.write(`  history-query: ${message}\n`);
}

async function generate(db: Db): Promise<void> {
	const { sql } = db;
	await sql`insert into auth.users (email) select 'bench-' || g || '@example.com' from generate_series(1, ${USERS}) g`;
	await sql`create unlogged table bench_users as
		select row_number() over (order by id) - 1 as n, id from auth.users`;
	await sql`create unique index on bench_users (n)`;
	// Each user's number, sealed in Node (as the app stores it) and copied into each of their texts.
	const cipher = new PhoneCipher({ keys: { h1: newPhoneKey() }, currentKeyId: 'h1', indexKey: newPhoneKey() });
	const sealed = Array.from({ length: USERS }, (_, n) => cipher.seal(`+1202${String(n % 10_000_000).padStart(7, '0')}`));
	await sql`alter table bench_users add column phone_enc text, add column phone_hash text, add column phone_last4 text`;
	await sql`update bench_users b set phone_enc = u.e, phone_hash = u.h, phone_last4 = u.l
		from unnest(${sealed.map((s) => s.enc)}::text[], ${sealed.map((s) => s.hash)}::text[], ${sealed.map((s) => s.last4)}::text[]) with ordinality as u(e, h, l, n)
		where b.n = u.n - 1`;
	for (let from = 1; from <= ROWS; from += CHUNK) {
		const to = Math.min(ROWS, from + CHUNK - 1);
		// One statement per chunk: users interleaved, times random over a year, realistic mix of verdicts.
		await sql`
			insert into public.sms_messages (
				user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, notification_type, priority, status, status_reason,
				twilio_sid, segments, error_code, error_message, scheduled_for, sent_at, delivered_at, failed_at,
				created_at, updated_at)
			select u.id,
				u.phone_enc, u.phone_hash, u.phone_last4, '1',
				'Reminder ' || g || ': your task is due soon. Reply STOP to opt out.',
				(array['task_reminder', 'daily_brief', 'urgent_alert', 'custom'])[1 + g % 4],
				'normal',
				v.status,
				case when v.status = 'suppressed' then 'opted_out' when v.status = 'scheduled' then 'quiet_hours' end,
				case when v.status in ('delivered', 'undelivered', 'failed', 'sent') then 'SM' || md5(g::text) end,
				1,
				case when v.status = 'undelivered' then 30003 when v.status = 'failed' then 21211 end,
				case when v.status in ('undelivered', 'failed') then 'bench failure' end,
				case when v.status = 'scheduled' then t.at + interval '8 hours' end,
				case when v.status in ('delivered', 'undelivered', 'sent') then t.at + interval '1 second' end,
				case when v.status = 'delivered' then t.at + interval '3 seconds' end,
				case when v.status in ('undelivered', 'failed') then t.at + interval '3 seconds' end,
				t.at, t.at
			from generate_series(${from}::bigint, ${to}::bigint) g
			join bench_users u on u.n = (g * 7919) % ${USERS}
			-- Each lateral mentions g so Postgres evaluates random() per row, not once.
			cross join lateral (select now() - random() * interval '365 days' + (g % 2) * interval '0 s' as at) t
			cross join lateral (select random() + (g % 2) * 0 as r) x
			cross join lateral (select case
				when x.r < 0.86 then 'delivered'
				when x.r < 0.91 then 'undelivered'
				when x.r < 0.93 then 'failed'
				when x.r < 0.96 then 'sent'
				when x.r < 0.98 then 'suppressed'
				else 'scheduled' end as status) v`;
		say(`${to.toLocaleString('en')} / ${ROWS.toLocaleString('en')} rows`);
	}
	await sql`vacuum analyze public.sms_messages`;
}

/** A keyset cursor somewhere inside the user's history (page 1 when `skip` is 0). */
async function cursorAt(db: Db, userId: string, skip: number): Promise<HistoryCursor | null> {
	if (skip === 0) return null;
	const [row] = await db.sql<{ created_at_key: string; id: string }[]>`
		select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at_key, id
		from public.sms_messages where user_id = ${userId}
		order by created_at desc, id desc offset ${skip - 1} limit 1`;
	return row ? { createdAt: row.created_at_key, id: row.id } : null;
}

export async function run(): Promise<BenchResult[]> {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-history-'));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false, fast: true });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql`create database bench`;
	await admin.end();
	const db = createDb({ url: pg.url('bench'), max: 4, applicationName: 'bench-history' });
	try {
		await migrate(db.sql);
		const started = performance.now();
		await generate(db);
		const generateSeconds = (performance.now() - started) / 1000;
		say(`generated in ${generateSeconds.toFixed(1)} s`);

		const users = await db.sql<{ id: string; n: number }[]>`
			select b.id, (select count(*)::int from public.sms_messages m where m.user_id = b.id) as n
			from bench_users b order by random() limit ${SAMPLES}`;
		const [plan] = await db.asUser({ sub: users[0].id, role: 'authenticated' }, (tx) =>
			tx.unsafe(
				`explain (format json) select m.id from public.sms_messages m where m.direction = 'outbound'
				 and m.user_id = '${users[0].id}' order by m.created_at desc, m.id desc limit ${PAGE + 1}`
			)
		);
		const planText = JSON.stringify(plan);
		const usesIndex = planText.includes('sms_messages_user_created_idx');

		// Warm-up: the first queries pay for plan caching and connection set-up, as after a deploy.
		for (const u of users.slice(0, 20)) {
			await db.asUser({ sub: u.id, role: 'authenticated' }, (tx) => queryHistory(tx, { userId: u.id, limit: PAGE }));
		}

		const queryMs: number[] = [];
		const requestMs: number[] = [];
		const filteredMs: number[] = [];
		let rows = 0;
		for (const u of users) {
			// Page 1 half of the time, otherwise a random deeper page.
			const deepest = Math.max(0, u.n - PAGE);
			const skip = Math.random() < 0.5 || deepest === 0 ? 0 : 1 + Math.floor(Math.random() * deepest);
			const before = await cursorAt(db, u.id, skip);
			const claims = { sub: u.id, role: 'authenticated' as const, aud: 'authenticated' };
			const t0 = performance.now();
			await db.asUser(claims, async (tx) => {
				const q0 = performance.now();
				const page = await queryHistory(tx, { userId: u.id, limit: PAGE, before });
				queryMs.push(performance.now() - q0);
				rows += page.rows.length;
			});
			requestMs.push(performance.now() - t0);
			await db.asUser(claims, async (tx) => {
				const q0 = performance.now();
				await queryHistory(tx, { userId: u.id, limit: PAGE, verdict: 'failed' });
				filteredMs.push(performance.now() - q0);
			});
		}
		for (const a of [queryMs, requestMs, filteredMs]) a.sort((x, y) => x - y);
		const scale = `${(ROWS / 1e6).toLocaleString('en')}M texts / ${(USERS / 1000).toLocaleString('en')}k users`;
		const notes = `${scale}; ${users.length} random users/pages, ${(rows / users.length).toFixed(1)} rows/page avg; p50 ${percentile(queryMs, 50).toFixed(2)} ms, p99 ${percentile(queryMs, 99).toFixed(2)} ms; ${usesIndex ? 'index (user_id, created_at, id)' : 'NO INDEX USED'}`;
		return [
			{ name: `history page query p95 (${scale})`, value: percentile(queryMs, 95), unit: 'ms', target: '< 10', notes },
			{
				name: `history page transaction p95 (${scale})`,
				value: percentile(requestMs, 95),
				unit: 'ms',
				notes: 'whole asUser transaction: begin, set role + claims, query, commit'
			},
			{
				name: `history page "failed" filter p95 (${scale})`,
				value: percentile(filteredMs, 95),
				unit: 'ms',
				notes: 'page 1 with verdict=failed'
			},
			{ name: `history data generation (${scale})`, value: generateSeconds, unit: 's', notes: 'set-based, generate_series' }
		];
	} finally {
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
