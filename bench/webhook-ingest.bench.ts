/**
 * Status-webhook ingestion through the BUILT server (signature checked, apply_sms_status, 200),
 * at concurrency 20; the HTTP providers' delivery webhook (POST /api/webhooks/sms, sms-retail's
 * signed JSON, apply_provider_status) beside it in the same run; and both beside ceilings measured in the same run on the same database at the same
 * concurrency: the raw one-statement write (insert the event + a conditional update, from
 * postgres.js: no lock, no NOTIFY, no rules beyond the rank), the webhook's own StatusWriter
 * called without HTTP (reports arriving together share a commit), and apply_sms_status one
 * statement and one commit per report.
 * Partitioning (issue 16): both webhooks again, against this database (sms_delivery_events
 * partitioned by month) and against a second one migrated the same way whose
 * sms_delivery_events was turned back into one plain table (unpartitioned-events.ts), each
 * with its own built server, measured in alternating rounds (A B, B A, …) so that a change in the
 * machine's load falls on both.
 * Durable commits by default; BENCH_PG_FAST=1 turns fsync off; BENCH_WEBHOOK_MS sets the duration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { createDb, migrate, newPhoneKey, PhoneCipher, phoneKeysToEnv, repoRoot, type Db } from '@sms/db';
import { freePort, startEmbeddedPostgres } from '@sms/db/embedded';
import { signTwilioRequest } from '@sms/twilio-service';
import type { BenchResult } from '../scripts/bench.ts';
import { StatusWriter } from '../src/lib/server/webhooks/status-writer.ts';
import { unpartitionDeliveryEvents } from './unpartitioned-events.ts';

/** Phone-number keys for this run (the server seals the numbers it stores); the bench process uses them too. */
const BENCH_PHONE_KEYS = { keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() };
if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv(BENCH_PHONE_KEYS));
/** The fixture texts' one number, sealed once (the same sealed value in every row). */
const SEALED_TO = new PhoneCipher(BENCH_PHONE_KEYS).seal('+15551230000');

const CONCURRENCY = 20;
const DURATION_MS = Number(process.env.BENCH_WEBHOOK_MS ?? 10_000);
const WARMUP_MS = 1_000;
const TOKEN = 'bench-auth-token-not-a-secret';
// Twilio was given the public https URL; we post to the local http port, as behind a proxy.
const PUBLIC_BASE_URL = 'https://sms.bench.example';
const PATH = '/api/webhooks/twilio/status';
// Each message receives its callbacks in order, like a real send: sent, then delivered.
const STATUSES = ['sent', 'delivered'] as const;
const MESSAGES_PER_PHASE = 60_000;
const PROVIDER_PATH = '/api/webhooks/sms';
const PROVIDER_SECRET = 'bench-sms-retail-webhook-secret';
const PROVIDER_STATUSES = ['sent', 'delivered'] as const;
const PROVIDER_PHASE = 5;
// Phases of the partitioned-vs-unpartitioned comparison, seeded alike in both databases.
const COMPARE_PHASE = 6;
const COMPARE_PROVIDER_PHASE = 7;
const COMPARE_ROUNDS = 6;

interface Measurement {
	count: number;
	errors: number;
	seconds: number;
	latencies: number[];
}

function stage(message: string): void {
	process.stderr.write(`  webhook-ingest: ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `op(i)` from CONCURRENCY loops for `durationMs` after a warm-up; i is a shared counter from `start`. */
async function load(op: (i: number) => Promise<boolean>, durationMs = DURATION_MS, start = 0): Promise<Measurement & { next: number }> {
	let next = start;
	let measuring = false;
	let stop = false;
	const latencies: number[] = [];
	let count = 0;
	let errors = 0;
	const loop = async () => {
		while (!stop) {
			const i = next++;
			const t0 = performance.now();
			const ok = await op(i);
			if (!measuring) continue;
			latencies.push(performance.now() - t0);
			if (ok) count++;
			else errors++;
		}
	};
	const loops = Array.from({ length: CONCURRENCY }, loop);
	await new Promise((r) => setTimeout(r, WARMUP_MS));
	measuring = true;
	const started = performance.now();
	await new Promise((r) => setTimeout(r, durationMs));
	measuring = false;
	const seconds = (performance.now() - started) / 1000;
	stop = true;
	await Promise.all(loops);
	latencies.sort((a, b) => a - b);
	return { count, errors, seconds, latencies, next };
}

/**
 * A against B in alternating rounds (A B, then B A, …), each side `durationMs` per round,
 * continuing each side's callback counter so no callback is posted twice.
 */
async function alternate(a: (i: number) => Promise<boolean>, b: (i: number) => Promise<boolean>, durationMs: number): Promise<[Measurement, Measurement]> {
	const total: [Measurement, Measurement] = [
		{ count: 0, errors: 0, seconds: 0, latencies: [] },
		{ count: 0, errors: 0, seconds: 0, latencies: [] }
	];
	const next = [0, 0];
	const ops = [a, b];
	for (let round = 0; round < COMPARE_ROUNDS; round++) {
		for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
			const m = await load(ops[side]!, durationMs, next[side]);
			next[side] = m.next;
			const t = total[side]!;
			t.count += m.count;
			t.errors += m.errors;
			t.seconds += m.seconds;
			t.latencies.push(...m.latencies);
		}
	}
	for (const t of total) t.latencies.sort((x, y) => x - y);
	return total;
}

const sidOf = (phase: number, n: number) => `SM${phase.toString(16).padStart(2, '0')}${n.toString(16).padStart(30, '0')}`;

/** MESSAGES_PER_PHASE queued messages with SIDs for one phase (fixture, written as the owner). */
async function seedMessages(db: Db, phase: number): Promise<void> {
	const prefix = phase.toString(16).padStart(2, '0');
	await db.sql`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		select u.id, ${SEALED_TO.enc}, ${SEALED_TO.hash}, ${SEALED_TO.last4}, '1', 'Bench text ' || g, 'queued', 'SM' || ${prefix} || lpad(to_hex(g), 30, '0')
		from generate_series(0, ${MESSAGES_PER_PHASE - 1}) g
		cross join lateral (select id from auth.users order by id limit 1) u`;
}

const referenceOf = (phase: number, n: number) => String(phase * 10_000_000 + n);

/** MESSAGES_PER_PHASE texts sent through sms-retail, and (once) its webhook secret on their workspace. */
async function seedProviderMessages(db: Db, phase: number): Promise<void> {
	await db.sql`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, provider, provider_reference)
		select u.id, ${SEALED_TO.enc}, ${SEALED_TO.hash}, ${SEALED_TO.last4}, '1', 'Bench text ' || g, 'queued', 'sms-retail', (${phase * 10_000_000} + g)::text
		from generate_series(0, ${MESSAGES_PER_PHASE - 1}) g
		cross join lateral (select id from auth.users order by id limit 1) u`;
	await db.sql`
		with org as (
			select distinct m.organization_id as id from public.sms_messages m
			where m.provider = 'sms-retail'
			  and not exists (select 1 from public.workspace_providers w where w.organization_id = m.organization_id and w.provider = 'sms-retail')
		),
		p as (
			insert into public.workspace_providers (organization_id, provider, position, base_url)
			select id, 'sms-retail', 1, 'https://api.sms-retail.example' from org
			returning id
		)
		insert into public.workspace_provider_secrets (provider_id, webhook_secret) select id, ${PROVIDER_SECRET} from p`;
}

/** sms-retail's delivery report for the i-th callback, signed as sms-retail signs it. */
function providerCallback(phase: number, i: number): { body: string; signature: string } {
	const message = Math.floor(i / PROVIDER_STATUSES.length) % MESSAGES_PER_PHASE;
	const body = JSON.stringify({
		id: Number(referenceOf(phase, message)),
		status: PROVIDER_STATUSES[i % PROVIDER_STATUSES.length],
		to: '+15551230000',
		client_ref: null,
		error_code: null,
		timestamp: '2026-12-01T10:00:00Z'
	});
	return { body, signature: createHmac('sha256', PROVIDER_SECRET).update(body).digest('hex') };
}

function callback(phase: number, i: number): Record<string, string> {
	const message = Math.floor(i / STATUSES.length) % MESSAGES_PER_PHASE;
	return {
		AccountSid: 'AC' + '0'.repeat(31) + '1',
		MessageSid: sidOf(phase, message),
		SmsSid: sidOf(phase, message),
		MessageStatus: STATUSES[i % STATUSES.length],
		From: '+15005550006',
		To: '+15551230000',
		ApiVersion: '2010-04-01'
	};
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode})`);
		try {
			if ((await fetch(url)).status === 200) return;
		} catch {
			// not up yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`the web server did not become healthy at ${url}`);
}

async function ensureBuild(): Promise<void> {
	if (existsSync(path.join(repoRoot, 'build/index.js'))) return;
	process.stderr.write('  build/ missing: running vite build …\n');
	const code = await new Promise<number | null>((resolve) =>
		spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: repoRoot, stdio: 'ignore' }).on('exit', resolve)
	);
	if (code !== 0) throw new Error('vite build failed');
}

function post(agent: http.Agent, port: number, body: string, signature: string): Promise<boolean> {
	return postTo(agent, port, PATH, body, {
		'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
		'x-twilio-signature': signature
	});
}

function postTo(agent: http.Agent, port: number, urlPath: string, body: string, headers: Record<string, string>): Promise<boolean> {
	return new Promise((resolve) => {
		const req = http.request(
			{
				host: '127.0.0.1',
				port,
				path: urlPath,
				method: 'POST',
				agent,
				headers: { ...headers, 'content-length': Buffer.byteLength(body) }
			},
			(res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode === 200));
			}
		);
		req.on('error', () => resolve(false));
		req.end(body);
	});
}

/** The built web server on `url`'s database; `profile` honours BENCH_CPU_PROF=<dir> (a V8 CPU profile). */
async function startServer(url: string, profile: boolean): Promise<{ child: ChildProcess; port: number }> {
	const port = await freePort();
	const prof = profile && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
	const child = spawn(process.execPath, [...prof, 'build/index.js'], {
		cwd: repoRoot,
		stdio: ['ignore', 'ignore', 'inherit'],
		env: {
			PATH: process.env.PATH,
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(port),
			DATABASE_URL: url,
			PUBLIC_BASE_URL,
			TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1',
			TWILIO_AUTH_TOKEN: TOKEN,
			TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1',
			SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
			...phoneKeysToEnv(BENCH_PHONE_KEYS),
			ALLOW_LOCAL_AUTH_IN_PRODUCTION: 'true',
			LOG_LEVEL: 'warn'
		}
	});
	await waitForHealth(`http://127.0.0.1:${port}/api/health`, child);
	return { child, port };
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	// The server lingers while its database pool holds sockets open: don't wait forever.
	const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
	await exited;
	clearTimeout(timer);
}

/** A second database, migrated, sms_delivery_events made unpartitioned, seeded with the comparison's phases. */
async function createFlatDatabase(pg: { url(name: string): string }): Promise<Db & { url: string }> {
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe('create database bench_unpartitioned');
	await admin.end();
	const url = pg.url('bench_unpartitioned');
	const db = createDb({ url, max: 4, applicationName: 'bench-unpartitioned' });
	await migrate(db.sql);
	await unpartitionDeliveryEvents(db.sql);
	await db.sql`insert into auth.users (email, email_confirmed_at) values ('bench@example.com', now())`;
	await seedMessages(db, COMPARE_PHASE);
	await seedProviderMessages(db, COMPARE_PROVIDER_PHASE);
	await db.sql`analyze`;
	return Object.assign(db, { url });
}

export async function run(): Promise<BenchResult[]> {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-webhook-'));
	await chmod(base, 0o755);
	// Durable commits by default (a 200 promises Twilio the report is kept); BENCH_PG_FAST=1 turns
	// fsync/synchronous_commit off to see how much of the time is the disk.
	const fast = process.env.BENCH_PG_FAST === '1';
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 100, fast });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe('create database bench');
	await admin.end();
	const url = pg.url('bench');
	const db = createDb({ url, max: CONCURRENCY, applicationName: 'bench' });
	let server: ChildProcess | undefined;
	let flatServer: ChildProcess | undefined;
	let flatDb: (Db & { url: string }) | undefined;
	try {
		stage(`postgres on ${pg.port}; migrating and seeding`);
		await migrate(db.sql);
		await db.sql`insert into auth.users (email, email_confirmed_at) values ('bench@example.com', now())`;
		await seedMessages(db, 1);
		await seedMessages(db, 2);
		await seedMessages(db, 3);
		await seedMessages(db, 4);
		await seedProviderMessages(db, PROVIDER_PHASE);
		await seedMessages(db, COMPARE_PHASE);
		await seedProviderMessages(db, COMPARE_PROVIDER_PHASE);
		await db.sql`analyze`;
		await ensureBuild();

		stage('starting the built server');
		const started = await startServer(url, true);
		server = started.child;
		const port = started.port;
		stage('migrating the unpartitioned peer database');
		flatDb = await createFlatDatabase(pg);
		const flat = await startServer(flatDb.url, false);
		flatServer = flat.child;

		stage(`server up on ${port}; posting signed callbacks`);
		// Bodies and signatures are prepared before the clock starts: we measure the server.
		const total = MESSAGES_PER_PHASE * STATUSES.length;
		const requests = Array.from({ length: total }, (_, i) => {
			const params = callback(1, i);
			return {
				body: new URLSearchParams(params).toString(),
				signature: signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC_BASE_URL}${PATH}`, params })
			};
		});
		const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
		const web = await load((i) => {
			const r = requests[i % total];
			return post(agent, port, r.body, r.signature);
		});
		stage('posting signed sms-retail delivery reports');
		const providerTotal = MESSAGES_PER_PHASE * PROVIDER_STATUSES.length;
		const providerRequests = Array.from({ length: providerTotal }, (_, i) => providerCallback(PROVIDER_PHASE, i));
		const providerWeb = await load((i) => {
			const r = providerRequests[i % providerTotal];
			return postTo(agent, port, PROVIDER_PATH, r.body, { 'content-type': 'application/json', 'x-signature': r.signature });
		});
		const [{ applied }] = await db.sql<{ applied: number }[]>`
			select count(*)::int as applied from public.sms_delivery_events where provider = 'sms-retail' and source = 'webhook' and applied`;
		stage('partitioned vs unpartitioned sms_delivery_events: both webhooks, alternating rounds');
		const compareRequests = Array.from({ length: total }, (_, i) => {
			const params = callback(COMPARE_PHASE, i);
			return {
				body: new URLSearchParams(params).toString(),
				signature: signTwilioRequest({ authToken: TOKEN, url: `${PUBLIC_BASE_URL}${PATH}`, params })
			};
		});
		const twilioTo = (p: number) => (i: number) => {
			const r = compareRequests[i % total]!;
			return post(agent, p, r.body, r.signature);
		};
		const compareProviderRequests = Array.from({ length: providerTotal }, (_, i) => providerCallback(COMPARE_PROVIDER_PHASE, i));
		const providerTo = (p: number) => (i: number) => {
			const r = compareProviderRequests[i % providerTotal]!;
			return postTo(agent, p, PROVIDER_PATH, r.body, { 'content-type': 'application/json', 'x-signature': r.signature });
		};
		// Short rounds, many of them: a change in the machine's load falls on both sides alike.
		const roundMs = Math.max(1000, Math.round((2 * DURATION_MS) / COMPARE_ROUNDS));
		const [twilioPart, twilioFlat] = await alternate(twilioTo(port), twilioTo(flat.port), roundMs);
		const [providerPart, providerFlat] = await alternate(providerTo(port), providerTo(flat.port), roundMs);
		const partitionCheck = await db.sql<{ partitions: number }[]>`
			select count(*)::int as partitions from pg_catalog.pg_inherits where inhparent = 'public.sms_delivery_events'::regclass`;
		agent.destroy();
		stage('calling apply_sms_status directly');

		// The same writer the webhook uses (reports arriving together share a commit), without HTTP.
		const writer = new StatusWriter({ sql: db.sql });
		const ceiling = await load(async (i) => {
			const p = callback(2, i);
			try {
				await writer.apply(
					{ sid: p.MessageSid, status: p.MessageStatus, errorCode: null, errorMessage: null, price: null, priceUnit: null, payload: p },
					'127.0.0.1'
				);
				return true;
			} catch {
				return false;
			}
		});

		const raw = await load(async (i) => {
			const p = callback(3, i);
			try {
				await db.sql`select public.apply_sms_status(p_sid => ${p.MessageSid}, p_status => ${p.MessageStatus},
					p_payload => ${db.sql.json(p)}::jsonb, p_source => 'webhook', p_sender_ip => '127.0.0.1'::inet)`;
				return true;
			} catch {
				return false;
			}
		});

		// The ceiling: what one statement per report costs on this disk at this concurrency.
		const write = await load(async (i) => {
			const p = callback(4, i);
			try {
				await db.sql`
					with m as (select id from public.sms_messages where twilio_sid = ${p.MessageSid}),
					ev as (
						insert into public.sms_delivery_events (message_id, twilio_sid, raw_status, status, payload, source, sender_ip, applied)
						select m.id, ${p.MessageSid}, ${p.MessageStatus}, ${p.MessageStatus}, ${db.sql.json(p)}::jsonb, 'webhook', '127.0.0.1'::inet, true
						from m
					)
					update public.sms_messages set status = ${p.MessageStatus}
					where twilio_sid = ${p.MessageSid}
					  and public.sms_status_rank(status) < public.sms_status_rank(${p.MessageStatus})`;
				return true;
			} catch {
				return false;
			}
		});

		const [{ events }] = await db.sql<{ events: number }[]>`select count(*)::int as events from public.sms_delivery_events`;
		const note = (m: Measurement) => `${m.count} ok, ${m.errors} errors in ${m.seconds.toFixed(1)} s at concurrency ${CONCURRENCY}`;
		const rate = (m: Measurement) => m.count / m.seconds;
		const ceilingName = 'raw one-statement write (event + conditional update)';
		return [
			{
				name: 'webhook ingest (built server, signed)',
				value: rate(web),
				unit: 'callbacks/s',
				peer: { name: ceilingName, value: rate(write) },
				target: '>= 3000',
				notes: `${note(web)}; ceiling: ${note(write)}`
			},
			{
				name: 'provider webhook ingest (/api/webhooks/sms, sms-retail signed JSON)',
				value: rate(providerWeb),
				unit: 'callbacks/s',
				peer: { name: 'Twilio status webhook (built server, signed)', value: rate(web) },
				ratioTarget: '>= 0.9',
				notes: `${note(providerWeb)}; ${applied} reports applied in all (warm-up included); Twilio: ${note(web)}`
			},
			{
				name: 'provider webhook ingest p99',
				value: percentile(providerWeb.latencies, 99),
				unit: 'ms',
				peer: { name: 'Twilio status webhook p99', value: percentile(web.latencies, 99) },
				notes: `p50 ${percentile(providerWeb.latencies, 50).toFixed(2)} ms beside Twilio's ${percentile(web.latencies, 50).toFixed(2)} ms`
			},
			{
				name: 'status webhook ingest, partitioned sms_delivery_events vs unpartitioned',
				value: rate(twilioPart),
				unit: 'callbacks/s',
				peer: { name: 'the same webhook against the same schema with sms_delivery_events unpartitioned', value: rate(twilioFlat) },
				ratioTarget: '>= 0.9',
				notes: `alternating rounds (A B, B A, …); partitioned (${partitionCheck[0]?.partitions} partitions): ${note(twilioPart)}, p99 ${percentile(twilioPart.latencies, 99).toFixed(2)} ms; unpartitioned: ${note(twilioFlat)}, p99 ${percentile(twilioFlat.latencies, 99).toFixed(2)} ms`
			},
			{
				name: 'provider webhook ingest, partitioned sms_delivery_events vs unpartitioned',
				value: rate(providerPart),
				unit: 'callbacks/s',
				peer: { name: 'the same webhook against the same schema with sms_delivery_events unpartitioned', value: rate(providerFlat) },
				ratioTarget: '>= 0.9',
				notes: `alternating rounds (A B, B A, …); partitioned: ${note(providerPart)}, p99 ${percentile(providerPart.latencies, 99).toFixed(2)} ms; unpartitioned: ${note(providerFlat)}, p99 ${percentile(providerFlat.latencies, 99).toFixed(2)} ms`
			},
			{
				name: 'webhook ingest vs StatusWriter without HTTP',
				value: rate(web),
				unit: 'callbacks/s',
				peer: { name: 'StatusWriter direct (batched commits)', value: rate(ceiling) },
				notes: `what HTTP, the signature check and the server cost; StatusWriter: ${note(ceiling)}`
			},
			{
				name: 'webhook ingest p50',
				value: percentile(web.latencies, 50),
				unit: 'ms',
				peer: { name: `${ceilingName} p50`, value: percentile(write.latencies, 50) }
			},
			{
				name: 'webhook ingest p99',
				value: percentile(web.latencies, 99),
				unit: 'ms',
				peer: { name: `${ceilingName} p99`, value: percentile(write.latencies, 99) },
				target: '< 50'
			},
			{
				name: 'StatusWriter direct (batched commits)',
				value: rate(ceiling),
				unit: 'calls/s',
				peer: { name: ceilingName, value: rate(write) },
				notes: `${note(ceiling)}; the webhook's own writer without HTTP: reports arriving together share a commit`
			},
			{
				name: 'apply_sms_status direct (one commit per call)',
				value: rate(raw),
				unit: 'calls/s',
				peer: { name: ceilingName, value: rate(write) },
				notes: `${note(raw)}; one statement and one commit per report (every report NOTIFYs, so commits serialise); ${events} events stored in all`
			}
		];
	} finally {
		await stopServer(server);
		await stopServer(flatServer);
		await flatDb?.end();
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
