/**
 * End-to-end drain: 10,000 queued texts through ONE worker process (apps/worker/src/main.ts,
 * the real thing, configured by environment) to the Twilio sandbox with 100 ms added latency
 * on every API call. Measures texts/s (first claim → last SID stored and job completed) beside
 * the ideal for that latency (concurrency ÷ latency: every slot always waiting on Twilio), the
 * worker's CPU time per text (from /proc, utime + stime) beside the wall time per text, and the
 * worker's peak RSS (VmHWM of the child process).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startSandbox } from '@sms/twilio-sandbox';
import { benchPhoneEnv, createBenchUsers, peakRssMiB, startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const TEXTS = 10_000;
const USERS = 250;
const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'bench-token';
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 256);
/** Keep in step with the start script in apps/worker/package.json. */
const WORKER_NODE_FLAGS = ['--max-old-space-size=80', '--max-semi-space-size=4'];

const LATENCY_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CLOCK_TICKS = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
	} catch {
		return 100;
	}
})();

/** CPU time the process has used so far (user + system), in ms; null once it is gone. */
async function cpuMs(pid: number): Promise<number | null> {
	try {
		const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name, which is in parentheses and may contain spaces.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
	} catch {
		return null;
	}
}

export async function run(): Promise<BenchResult[]> {
	const db = await startBenchDatabase('drain');
	const sink = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => res.writeHead(204).end());
	});
	await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
	const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
	const sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, maxMessages: TEXTS * 2, callbackRetry: { attempts: 1 } });
	const callbacks = process.env.BENCH_CALLBACKS === '1';
	// Status callbacks are Twilio's work (on Twilio's machines in production; the webhook bench
	// measures our side of them), so by default the sandbox drops them to leave this machine's
	// two cores to the worker and Postgres. BENCH_CALLBACKS=1 sends them to a 204 sink.
	sandbox.state.faults = { ...sandbox.state.faults, latencyMs: LATENCY_MS, dropCallbacks: callbacks ? 0 : 1 };
	let child: ReturnType<typeof spawn> | undefined;
	try {
		const users = await createBenchUsers(db.sql, USERS, 50);
		const rows = Array.from({ length: TEXTS }, (_, i) => ({
			user_id: users[i % USERS]!.userId,
			message: `Your order #${100000 + i} has shipped and will arrive tomorrow.`
		}));
		for (let i = 0; i < rows.length; i += 2000) {
			await db.sql`select count(*) from public.queue_sms_messages_bulk(${db.sql.json(rows.slice(i, i + 2000))})`;
		}

		// The same flags as `npm start -w @sms/worker`; BENCH_WORKER_NODE_FLAGS adds e.g. --cpu-prof.
		const flags = [...WORKER_NODE_FLAGS, ...(process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
		child = spawn(process.execPath, [...flags, '--import', 'tsx', path.resolve('apps/worker/src/main.ts')], {
			env: {
				PATH: process.env.PATH ?? '',
				DATABASE_URL: db.url,
				TWILIO_ACCOUNT_SID: ACCOUNT_SID,
				TWILIO_AUTH_TOKEN: AUTH_TOKEN,
				TWILIO_FROM_NUMBER: '+15005550006',
				TWILIO_API_BASE_URL: sandbox.url,
				PUBLIC_BASE_URL: sinkUrl,
				WORKER_PORT: '0',
				WORKER_CONCURRENCY: String(CONCURRENCY),
				WORKER_BATCH_SIZE: '100',
				LOG_LEVEL: 'warn',
				...benchPhoneEnv()
			},
			stdio: ['ignore', 'ignore', 'inherit']
		});
		const pid = child.pid!;
		let exited: string | null = null;
		child.once('exit', (code, signal) => (exited = `worker exited early (${signal ?? code})`));

		// The clock starts at the first claim (process start-up is not throughput).
		let started = 0;
		let cpuAtStart = 0;
		while (!started) {
			const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where status <> 'pending'`;
			if (n > 0) {
				started = performance.now();
				cpuAtStart = (await cpuMs(pid)) ?? 0;
			}
			else if (exited) throw new Error(exited);
			else await sleep(5);
		}
		let peak = 0;
		const atSandbox = () => {
			let n = 0;
			for (const m of sandbox.state.store.all()) if (m.kind === 'api') n++;
			return n;
		};
		// Watch the sandbox (free) until every text arrived, then the database for the last SIDs.
		// Stalled means no progress for 30 s, not slow: on a shared machine a drain may take minutes.
		let progress = { n: 0, at: performance.now() };
		for (;;) {
			peak = Math.max(peak, (await peakRssMiB(pid)) ?? 0);
			const n = atSandbox();
			if (n >= TEXTS) break;
			if (exited) throw new Error(exited);
			if (n > progress.n) progress = { n, at: performance.now() };
			else if (performance.now() - progress.at > 30_000) throw new Error(`drain stalled at ${n}/${TEXTS}`);
			await sleep(50);
		}
		for (;;) {
			const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where status = 'completed'`;
			if (n >= TEXTS) break;
			await sleep(10);
		}
		const seconds = (performance.now() - started) / 1000;
		const cpuUsed = ((await cpuMs(pid)) ?? cpuAtStart) - cpuAtStart;
		peak = Math.max(peak, (await peakRssMiB(pid)) ?? 0);
		const [{ sent }] = await db.sql<{ sent: number }[]>`select count(*)::int as sent from public.sms_messages where twilio_sid is not null`;
		if (sent !== TEXTS || atSandbox() !== TEXTS) throw new Error(`expected ${TEXTS} texts, stored ${sent}, sandbox has ${atSandbox()}`);

		child.kill('SIGTERM');
		await new Promise((r) => child!.once('exit', r));
		const notes = `${TEXTS} texts, ${USERS} users, concurrency ${CONCURRENCY}, ${LATENCY_MS} ms Twilio latency, status callbacks ${callbacks ? 'on (204 sink)' : 'dropped by the sandbox'}`;
		return [
			{
				name: 'worker drain (end to end)',
				value: TEXTS / seconds,
				unit: 'texts/s',
				peer: { name: 'ideal: concurrency ÷ Twilio latency', value: CONCURRENCY / (LATENCY_MS / 1000) },
				target: '>= 1000',
				notes
			},
			{
				name: 'worker CPU per text',
				value: cpuUsed / TEXTS,
				unit: 'ms',
				peer: { name: 'wall time per text', value: (seconds * 1000) / TEXTS },
				notes: `utime + stime of the worker process over the drain; the ratio is the cores it kept busy`
			},
			{ name: 'worker peak RSS during drain', value: peak, unit: 'MiB', target: '< 150', notes: 'VmHWM of the worker process' }
		];
	} finally {
		if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		await sandbox.close();
		await new Promise((r) => sink.close(r));
		await db.stop();
	}
}
