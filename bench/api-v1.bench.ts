/**
 * POST /api/v1/messages through the BUILT server with key authentication, at concurrency 20,
 * beside queue_sms_message called directly in the same run on the same database (its peer);
 * and POST /api/v1/messages/batch of 1,000 beside queue_sms_messages_bulk of 1,000.
 * Durable commits. BENCH_API_MS sets the duration of each single-text phase (default 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, newPhoneKey, phoneKeysToEnv, repoRoot } from '@sms/db';
import { freePort, startEmbeddedPostgres } from '@sms/db/embedded';
import type { BenchResult } from '../scripts/bench.ts';

/** Phone-number keys for this run (the server seals the numbers it stores); the bench process uses them too. */
const BENCH_PHONE_KEYS = { keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() };
if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv(BENCH_PHONE_KEYS));

const CONCURRENCY = 20;
const DURATION_MS = Number(process.env.BENCH_API_MS ?? 10_000);
const WARMUP_MS = 1_000;
const BATCH = 1000;
const BATCH_ROUNDS = Number(process.env.BENCH_API_BATCH_ROUNDS ?? 5);

const stage = (m: string) => process.stderr.write(`  api-v1: ${m}\n`);
const percentile = (s: number[], p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN);

async function load(op: (i: number) => Promise<boolean>) {
	let next = 0;
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
	await new Promise((r) => setTimeout(r, DURATION_MS));
	measuring = false;
	const seconds = (performance.now() - started) / 1000;
	stop = true;
	await Promise.all(loops);
	latencies.sort((a, b) => a - b);
	return { count, errors, seconds, latencies };
}

function post(agent: http.Agent, port: number, p: string, key: string, body: string): Promise<{ status: number; text: string }> {
	return new Promise((resolve) => {
		const req = http.request(
			{ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
			(res) => {
				let text = '';
				res.on('data', (c) => (text += c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
			}
		);
		req.on('error', (e) => resolve({ status: 0, text: e.message }));
		req.end(body);
	});
}

async function waitFor(url: string, child: ChildProcess) {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode})`);
		try {
			if ((await fetch(url)).status === 200) return;
		} catch {
			// not up yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${url} did not answer 200: is build/ older than the /api/v1 routes? Run vite build.`);
}

const phone = (i: number) => `+1415${String(2000000 + (i % 500)).padStart(7, '0')}`;

export async function run(): Promise<BenchResult[]> {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-api-'));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 100, fast: process.env.BENCH_PG_FAST === '1' });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe('create database bench');
	await admin.end();
	const url = pg.url('bench');
	const db = createDb({ url, max: CONCURRENCY, applicationName: 'bench' });
	let server: ChildProcess | undefined;
	try {
		stage('migrating, one workspace, a key and 500 contacts');
		await migrate(db.sql);
		const [{ id: owner }] = await db.sql`insert into auth.users (email, email_confirmed_at) values ('owner@bench.example', now()) returning id`;
		const [{ id: org }] = await db.sql`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
		await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
		const visible = randomBytes(8).toString('hex').slice(0, 8);
		const key = `sk_live_${visible}_${randomBytes(16).toString('hex')}`;
		await db.asUser({ sub: owner }, (tx) => tx`select public.create_api_key(${org}::uuid, 'bench', '{messages:write}', ${`sk_live_${visible}`}, ${createHash('sha256').update(key).digest('hex')}, 1000)`);
		const contacts = await db.sql<{ id: string }[]>`
			insert into public.contacts (organization_id, name, phone_number)
			select ${org}, 'c' || g, '+1415' || lpad((2000000 + g)::text, 7, '0') from generate_series(0, 499) g returning id`;
		if (!existsSync(path.join(repoRoot, 'build/index.js'))) throw new Error('build/ missing: run vite build first');

		const port = await freePort();
		server = spawn(process.execPath, ['build/index.js'], {
			cwd: repoRoot,
			stdio: ['ignore', 'ignore', 'inherit'],
			env: {
				PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url,
				PUBLIC_BASE_URL: 'https://sms.bench.example', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1', TWILIO_AUTH_TOKEN: 'bench-token-0000',
				TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1', SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
				...phoneKeysToEnv(BENCH_PHONE_KEYS),
				ALLOW_LOCAL_AUTH_IN_PRODUCTION: 'true', LOG_LEVEL: 'warn', BODY_SIZE_LIMIT: '2M'
			}
		});
		await waitFor(`http://127.0.0.1:${port}/api/v1/openapi.json`, server);
		const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

		stage(`POST /api/v1/messages at concurrency ${CONCURRENCY}`);
		const api = await load(async (i) => (await post(agent, port, '/api/v1/messages', key, JSON.stringify({ to: { phone: phone(i) }, body: `API text ${i}`, metadata: { i } }))).status === 202);
		stage('queue_sms_message directly');
		const direct = await load(async (i) => {
			try {
				await db.sql`select public.queue_sms_message(null, null, ${`SQL text ${i}`}, p_contact_id => ${contacts[i % 500].id}::uuid)`;
				return true;
			} catch {
				return false;
			}
		});

		stage(`POST /api/v1/messages/batch of ${BATCH}, ${BATCH_ROUNDS} rounds, vs queue_sms_messages_bulk`);
		let apiBatchMs = 0;
		let bulkMs = 0;
		let batchErrors = 0;
		for (let r = 0; r < BATCH_ROUNDS; r++) {
			const body = JSON.stringify({ messages: Array.from({ length: BATCH }, (_, i) => ({ to: { phone: phone(i) }, body: `batch ${r}/${i}` })) });
			const t0 = performance.now();
			const res = await post(agent, port, '/api/v1/messages/batch', key, body);
			apiBatchMs += performance.now() - t0;
			if (res.status !== 200 || (JSON.parse(res.text) as { accepted: number }).accepted !== BATCH) batchErrors++;
			const rows = contacts.concat(contacts).slice(0, BATCH).map((c, i) => ({ contact_id: c.id, organization_id: org, message: `bulk ${r}/${i}` }));
			const t1 = performance.now();
			await db.sql`select count(*) from public.queue_sms_messages_bulk(${db.sql.json(rows)})`;
			bulkMs += performance.now() - t1;
		}
		agent.destroy();

		const apiRate = api.count / api.seconds;
		const directRate = direct.count / direct.seconds;
		const apiBatchRate = (BATCH * BATCH_ROUNDS) / (apiBatchMs / 1000);
		const bulkRate = (BATCH * BATCH_ROUNDS) / (bulkMs / 1000);
		const note = (m: { count: number; errors: number; seconds: number }) => `${m.count} ok, ${m.errors} errors in ${m.seconds.toFixed(1)} s at concurrency ${CONCURRENCY}`;
		return [
			{
				name: 'POST /api/v1/messages (built server, key auth)',
				value: apiRate,
				unit: 'texts/s',
				peer: { name: 'queue_sms_message direct', value: directRate },
				ratioTarget: '>= 0.8',
				notes: `API: ${note(api)}; direct: ${note(direct)}`
			},
			{ name: 'POST /api/v1/messages p50', value: percentile(api.latencies, 50), unit: 'ms', peer: { name: 'direct p50', value: percentile(direct.latencies, 50) } },
			{ name: 'POST /api/v1/messages p99', value: percentile(api.latencies, 99), unit: 'ms', target: '< 50', peer: { name: 'direct p99', value: percentile(direct.latencies, 99) } },
			{
				name: 'POST /api/v1/messages/batch of 1000',
				value: apiBatchRate,
				unit: 'texts/s',
				peer: { name: 'queue_sms_messages_bulk of 1000', value: bulkRate },
				ratioTarget: '>= 0.8',
				notes: `${BATCH_ROUNDS} rounds each, ${batchErrors} API rounds with errors`
			}
		];
	} finally {
		server?.kill('SIGTERM');
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
