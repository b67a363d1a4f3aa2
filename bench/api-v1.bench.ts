/**
 * POST /api/v1/messages through the BUILT server with key authentication, at concurrency 20,
 * beside queue_sms_message called directly in the same run on the same database (its peer);
 * and POST /api/v1/messages/batch of 1,000 beside queue_sms_messages_bulk of 1,000. Fair by
 * construction: the same texts (one of 500 contacts, a body), the same pool size, the phases
 * interleaved in alternating order so the neighbours' load falls on each alike; the SQL the
 * routes call is measured beside them without the web server, to show where the time goes.
 * Durable commits. BENCH_API_MS sets the measured time of each single-text phase (default 10 s).
 * BENCH_SERVER_PROF=dir writes a CPU profile of the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createDb, createRolePool, migrate, newPhoneKey, phoneCipher, phoneKeysToEnv, repoRoot } from '@sms/db';
import { freePort, startEmbeddedPostgres } from '@sms/db/embedded';
import type { BenchResult } from '../scripts/bench.ts';
import { BatchedWriter } from '../src/lib/server/webhooks/batched-writer.ts';

/** Phone-number keys for this run (the server seals the numbers it stores); the bench process uses them too. */
const BENCH_PHONE_KEYS = { keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() };
if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv(BENCH_PHONE_KEYS));

const CONCURRENCY = 20;
const DURATION_MS = Number(process.env.BENCH_API_MS ?? 10_000);
const WARMUP_MS = 500;
const ROUNDS = 6;
const BATCH = 1000;
const KEYS = 4;
// A batch takes ~0.1 s: ten rounds were a second a side, and the ratio moved by ±0.05 run to run.
const BATCH_ROUNDS = Number(process.env.BENCH_API_BATCH_ROUNDS ?? 30);
/** Untimed rounds first, each side alike: the first calls plan their statements and make their work tables. */
const BATCH_WARMUP = 2;

const stage = (m: string) => process.stderr.write(`  api-v1: ${m}\n`);
const percentile = (s: number[], p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN);

interface Phase {
	count: number;
	errors: number;
	seconds: number;
	latencies: number[];
	/** CPU milliseconds spent while measuring, by process group (web server, Postgres, this process). */
	cpu: Cpu;
}

interface Cpu {
	server: number;
	pg: number;
	bench: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux
const procCpuMs = (pid: number): number => {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(f[11]) + Number(f[12])) * TICK_MS;
	} catch {
		return 0;
	}
};

/** CPU so far of the server, of Postgres (the postmaster's children: the backends) and of this process. */
function cpuNow(serverPid: number | undefined, postmaster: number | undefined): Cpu {
	let pg = 0;
	if (postmaster !== undefined) {
		for (const d of readdirSync('/proc')) {
			if (!/^\d+$/.test(d)) continue;
			try {
				const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
				if (ppid === postmaster) pg += procCpuMs(Number(d));
			} catch {
				// gone
			}
		}
	}
	const own = process.cpuUsage();
	return { server: serverPid ? procCpuMs(serverPid) : 0, pg, bench: (own.user + own.system) / 1000 };
}

/** The postmaster of the cluster in dataDir (its pid is the first line of postmaster.pid). */
const postmasterOf = (dataDir: string): number | undefined => {
	try {
		return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
	} catch {
		return undefined;
	}
};

let cpuProbe: () => Cpu = () => ({ server: 0, pg: 0, bench: 0 });

/** One slice of `op` at CONCURRENCY: WARMUP_MS unmeasured, then sliceMs measured, added to `into`. */
async function slice(op: (i: number) => Promise<boolean>, sliceMs: number, into: Phase) {
	let next = 0;
	let measuring = false;
	let stop = false;
	const loop = async () => {
		while (!stop) {
			const i = next++;
			const t0 = performance.now();
			const ok = await op(i);
			if (!measuring) continue;
			into.latencies.push(performance.now() - t0);
			if (ok) into.count++;
			else into.errors++;
		}
	};
	const loops = Array.from({ length: CONCURRENCY }, loop);
	await new Promise((r) => setTimeout(r, WARMUP_MS));
	measuring = true;
	const started = performance.now();
	const cpu0 = cpuProbe();
	await new Promise((r) => setTimeout(r, sliceMs));
	measuring = false;
	const cpu1 = cpuProbe();
	into.seconds += (performance.now() - started) / 1000;
	for (const k of ['server', 'pg', 'bench'] as const) into.cpu[k] += cpu1[k] - cpu0[k];
	stop = true;
	await Promise.all(loops);
}

/**
 * The phases interleaved, ROUNDS slices each, in alternating order (ABC, CBA, …): the neighbours'
 * load drifts during a run, and back-to-back phases would put the drift into the ratio.
 */
async function interleaved(ops: Record<string, (i: number) => Promise<boolean>>): Promise<Record<string, Phase>> {
	const names = Object.keys(ops);
	const out = Object.fromEntries(names.map((n) => [n, { count: 0, errors: 0, seconds: 0, latencies: [] as number[], cpu: { server: 0, pg: 0, bench: 0 } }]));
	let offset = 0;
	for (let r = 0; r < ROUNDS; r++) {
		for (const n of r % 2 === 0 ? names : [...names].reverse()) {
			const op = ops[n];
			const base = offset;
			await slice((i) => op(base + i), DURATION_MS / ROUNDS, out[n]);
			offset += 1_000_000;
		}
	}
	for (const p of Object.values(out)) p.latencies.sort((a, b) => a - b);
	return out;
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
		// One key may make at most 1,000 requests a second (the product's ceiling) and the route
		// outruns that at concurrency 20, so the single-send phase spreads over KEYS keys, as
		// several services of one workspace would: a 429 must never count as a fast answer.
		const keys: { key: string; prefix: string }[] = [];
		for (let k = 0; k < KEYS; k++) {
			const visible = randomBytes(8).toString('hex').slice(0, 8);
			const secret = `sk_live_${visible}_${randomBytes(16).toString('hex')}`;
			await db.asUser({ sub: owner }, (tx) => tx`select public.create_api_key(${org}::uuid, ${`bench ${k}`}, '{messages:write}', ${`sk_live_${visible}`}, ${createHash('sha256').update(secret).digest('hex')}, 1000)`);
			keys.push({ key: secret, prefix: `sk_live_${visible}` });
		}
		const { key, prefix } = keys[0]!;
		// Numbers sealed as the web server seals them (the database holds no number in clear).
		const cipher = phoneCipher();
		const people = Array.from({ length: 500 }, (_, g) => {
			const s = cipher.seal(`+1415${String(2000000 + g).padStart(7, '0')}`);
			return { organization_id: org, name: `c${g}`, phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4, calling_code: '1' };
		});
		const contacts = await db.sql<{ id: string }[]>`insert into public.contacts ${db.sql(people)} returning id`;
		if (!existsSync(path.join(repoRoot, 'build/index.js'))) throw new Error('build/ missing: run vite build first');

		const port = await freePort();
		const prof = process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`] : [];
		server = spawn(process.execPath, [...prof, 'build/index.js'], {
			cwd: repoRoot,
			stdio: ['ignore', 'ignore', 'inherit'],
			// BENCH_SERVER_PROF=dir: a CPU profile of the server (written when it exits).
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
		const postmaster = postmasterOf(path.join(base, 'pg'));
		const serverPid = server.pid;
		cpuProbe = () => cpuNow(serverPid, postmaster);

		// The same work per text on both sides: a text to one of the 500 contacts, a body, no
		// metadata; the same pool size (the server's service pool is 20, as is the bench's).
		const service = createRolePool({ url, role: 'service_role', max: CONCURRENCY });
		const keyHash = createHash('sha256').update(key).digest('hex');
		const contact = (i: number) => contacts[i % contacts.length].id;
		const together = new BatchedWriter<string, unknown>({
			concurrency: 2,
			gather: true,
			maxBatch: 50,
			run: async (messages) => {
				const rows = await service<{ request: number; answer: unknown }[]>`
					select request, answer from public.api_send_messages(${messages.map(() => keyHash)}::text[], ${messages.map(() => prefix)}::text[],
						${messages.map(() => null)}::inet[], ${messages}::text[]::jsonb[], ${messages.map(() => null)}::text[], ${messages.map(() => '')}::text[])`;
				const byRequest = new Map(rows.map((r) => [r.request, r.answer]));
				return messages.map((_, k) => byRequest.get(k + 1));
			}
		});
		stage(`POST /api/v1/messages, api_send_messages and queue_sms_message at concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds`);
		const single = await interleaved({
			api: async (i) =>
				(await post(agent, port, '/api/v1/messages', keys[i % KEYS]!.key, JSON.stringify({ to: { contactId: contact(i) }, body: `API text ${i}` }))).status === 202,
			// The SQL the route makes, without the web server: attribution of the route's cost. The
			// route's requests arriving together go as one api_send_messages statement, two such
			// batches at a time (sendBatcher in src/lib/server/api/v1/backend.ts): the same here.
			apiSql: async (i) => {
				try {
					const message = { to: { contactId: contact(i) }, body: `API SQL text ${i}`, priority: 'normal' };
					await together.submit(JSON.stringify(message));
					return true;
				} catch {
					return false;
				}
			},
			direct: async (i) => {
				try {
					await db.sql`select public.queue_sms_message(null, null, ${`SQL text ${i}`}, p_contact_id => ${contact(i)}::uuid)`;
					return true;
				} catch {
					return false;
				}
			}
		});
		const { api, apiSql, direct } = single;

		stage(`POST /api/v1/messages/batch of ${BATCH}, api_send_batch and queue_sms_messages_bulk, ${BATCH_ROUNDS} rounds each`);
		const ms = { api: 0, apiSql: 0, bulk: 0 };
		const batchCpu = { api: { server: 0, pg: 0, bench: 0 }, apiSql: { server: 0, pg: 0, bench: 0 }, bulk: { server: 0, pg: 0, bench: 0 } };
		let batchErrors = 0;
		const timed = async (k: keyof typeof ms, f: () => Promise<void>) => {
			const c0 = cpuProbe();
			const t0 = performance.now();
			await f();
			ms[k] += performance.now() - t0;
			const c1 = cpuProbe();
			for (const g of ['server', 'pg', 'bench'] as const) batchCpu[k][g] += c1[g] - c0[g];
		};
		const batchNote = (k: keyof typeof ms) => {
			const n = BATCH * BATCH_ROUNDS;
			return `CPU ms a text: web server ${(batchCpu[k].server / n).toFixed(3)}, Postgres ${(batchCpu[k].pg / n).toFixed(3)}, bench client ${(batchCpu[k].bench / n).toFixed(3)}`;
		};
		for (let r = -BATCH_WARMUP; r < BATCH_ROUNDS; r++) {
			const messages = Array.from({ length: BATCH }, (_, i) => ({ to: { contactId: contact(i) }, body: `batch ${r}/${i}` }));
			const body = JSON.stringify({ messages });
			const items = messages.map((m, index) => ({ index, message: { ...m, body: `sql ${m.body}`, priority: 'normal' } }));
			const rows = messages.map((m, i) => ({ contact_id: contact(i), organization_id: org, message: `bulk ${r}/${i}` }));
			const steps: [keyof typeof ms, () => Promise<void>][] = [
				['api', async () => {
					const res = await post(agent, port, '/api/v1/messages/batch', key, body);
					if (res.status !== 200 || (JSON.parse(res.text) as { accepted: number }).accepted !== BATCH) batchErrors++;
				}],
				['apiSql', async () => void (await service`select public.api_send_batch(${keyHash}, ${prefix}, null, ${service.json(items)}, null, '') as r`)],
				['bulk', async () => void (await db.sql`select count(*) from public.queue_sms_messages_bulk(${db.sql.json(rows)})`)]
			];
			if (r < 0) for (const [, f] of steps) await f();
			else for (const [k, f] of r % 2 === 0 ? steps : steps.reverse()) await timed(k, f);
		}
		agent.destroy();
		await service.end();

		// A refused request (a 429, a 5xx) answers fast: counted, it would flatter the p99 and
		// compare less work with the peer's. Such a run measures nothing; say so instead.
		const failed = Object.entries({ api, apiSql, direct }).filter(([, m]) => m.errors > 0);
		if (batchErrors > 0) throw new Error(`${batchErrors} POST /messages/batch rounds did not accept all ${BATCH} texts: figures not comparable`);
		if (failed.length > 0) throw new Error(`requests failed, figures not comparable: ${failed.map(([k, m]) => `${k} ${m.errors} of ${m.count + m.errors}`).join(', ')}`);
		const apiRate = api.count / api.seconds;
		const directRate = direct.count / direct.seconds;
		const batchRate = (k: keyof typeof ms) => (BATCH * BATCH_ROUNDS) / (ms[k] / 1000);
		const apiBatchRate = batchRate('api');
		const bulkRate = batchRate('bulk');
		const perText = (m: Phase) =>
			`CPU ms a text: web server ${(m.cpu.server / m.count).toFixed(2)}, Postgres ${(m.cpu.pg / m.count).toFixed(2)}, bench client ${(m.cpu.bench / m.count).toFixed(2)}`;
		const note = (m: Phase) => `${m.count} ok, ${m.errors} errors in ${m.seconds.toFixed(1)} s at concurrency ${CONCURRENCY}; ${perText(m)}`;
		return [
			{
				name: 'POST /api/v1/messages (built server, key auth)',
				value: apiRate,
				unit: 'texts/s',
				peer: { name: 'queue_sms_message direct', value: directRate },
				ratioTarget: '>= 0.8',
				notes: `API: ${note(api)} | direct: ${note(direct)}`
			},
			{ name: 'api_send_messages SQL coalesced as the route does, no web server (attribution)', value: apiSql.count / apiSql.seconds, unit: 'texts/s', peer: { name: 'queue_sms_message direct', value: directRate }, notes: note(apiSql) },
			{ name: 'POST /api/v1/messages p50', value: percentile(api.latencies, 50), unit: 'ms', peer: { name: 'direct p50', value: percentile(direct.latencies, 50) } },
			{ name: 'POST /api/v1/messages p99', value: percentile(api.latencies, 99), unit: 'ms', target: '< 50', peer: { name: 'direct p99', value: percentile(direct.latencies, 99) } },
			{ name: 'api_send_batch SQL of 1000, no web server (attribution)', value: batchRate('apiSql'), unit: 'texts/s', peer: { name: 'queue_sms_messages_bulk of 1000', value: bulkRate }, notes: `${batchNote('apiSql')} | bulk: ${batchNote('bulk')}` },
			{
				name: 'POST /api/v1/messages/batch of 1000',
				value: apiBatchRate,
				unit: 'texts/s',
				peer: { name: 'queue_sms_messages_bulk of 1000', value: bulkRate },
				ratioTarget: '>= 0.8',
				notes: `${BATCH_ROUNDS} rounds each, ${batchErrors} API rounds with errors; ${batchNote('api')}`
			}
		];
	} finally {
		server?.kill('SIGTERM');
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
