/**
 * End-to-end drain: 10,000 queued texts through ONE worker process (apps/worker/src/main.ts,
 * the real thing, configured by environment) to the Twilio sandbox with 100 ms added latency
 * on every API call. Measures texts/s (first claim → last SID stored and job completed) and
 * the worker's peak RSS (VmHWM of the child process).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startSandbox } from '@sms/twilio-sandbox';
import { createBenchUsers, peakRssMiB, startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const TEXTS = 10_000;
const USERS = 250;
const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'bench-token';
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 256);
/** Keep in step with the start script in apps/worker/package.json. */
const WORKER_NODE_FLAGS = ['--max-old-space-size=80', '--max-semi-space-size=4'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
	sandbox.state.faults = { ...sandbox.state.faults, latencyMs: 100, dropCallbacks: callbacks ? 0 : 1 };
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
				LOG_LEVEL: 'warn'
			},
			stdio: ['ignore', 'ignore', 'inherit']
		});
		const pid = child.pid!;
		let exited: string | null = null;
		child.once('exit', (code, signal) => (exited = `worker exited early (${signal ?? code})`));

		// The clock starts at the first claim (process start-up is not throughput).
		let started = 0;
		while (!started) {
			const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where status <> 'pending'`;
			if (n > 0) started = performance.now();
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
		for (;;) {
			peak = Math.max(peak, (await peakRssMiB(pid)) ?? 0);
			if (atSandbox() >= TEXTS) break;
			if (exited) throw new Error(exited);
			if (performance.now() - started > 120_000) throw new Error(`drain stalled at ${atSandbox()}/${TEXTS}`);
			await sleep(50);
		}
		for (;;) {
			const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.queue_jobs where status = 'completed'`;
			if (n >= TEXTS) break;
			await sleep(10);
		}
		const seconds = (performance.now() - started) / 1000;
		peak = Math.max(peak, (await peakRssMiB(pid)) ?? 0);
		const [{ sent }] = await db.sql<{ sent: number }[]>`select count(*)::int as sent from public.sms_messages where twilio_sid is not null`;
		if (sent !== TEXTS || atSandbox() !== TEXTS) throw new Error(`expected ${TEXTS} texts, stored ${sent}, sandbox has ${atSandbox()}`);

		child.kill('SIGTERM');
		await new Promise((r) => child!.once('exit', r));
		const notes = `${TEXTS} texts, ${USERS} users, concurrency ${CONCURRENCY}, 100 ms Twilio latency, status callbacks ${callbacks ? 'on (204 sink)' : 'dropped by the sandbox'}`;
		return [
			{ name: 'worker drain (end to end)', value: TEXTS / seconds, unit: 'texts/s', target: '>= 1000', notes },
			{ name: 'worker peak RSS during drain', value: peak, unit: 'MiB', target: '< 150', notes: 'VmHWM of the worker process' }
		];
	} finally {
		if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		await sandbox.close();
		await new Promise((r) => sink.close(r));
		await db.stop();
	}
}
