/**
 * Throttle accuracy: a campaign at 50 texts/s through ONE worker process (apps/worker/src/main.ts,
 * configured by environment, its default 1 s poll) to the Twilio sandbox (100 ms latency), for
 * 60 s (BENCH_THROTTLE_SECONDS). The rate the sandbox observed (its own receipt times) in every
 * 10-second window from the first text, beside the configured rate: each window's ratio must be
 * within ±5 %. The campaign holds more texts than the run needs, so every window is full. The
 * worker is warmed first by a 3-second campaign (as a worker that runs all day is), and the
 * notes give each text's lag behind its slot (its run_at), to show where time goes.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { createDb, newPhoneKey, phoneCipher, phoneKeysToEnv } from '@sms/db';
import { startSandbox } from '@sms/twilio-sandbox';
import { startBenchDatabase } from '../apps/worker/test/bench-support.ts';
import type { BenchResult } from '../scripts/bench.ts';

const RATE = 50;
const SECONDS = Number(process.env.BENCH_THROTTLE_SECONDS ?? 60);
const WINDOW_S = 10;
const WARM_UP = RATE * 3;
const ACCOUNT_SID = `AC${'c3'.repeat(16)}`;
const AUTH_TOKEN = 'bench-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Numbers are stored sealed: keys for this run unless given (passed to the worker it starts).
if (!process.env.PHONE_ENCRYPTION_KEYS || !process.env.PHONE_INDEX_KEY) {
	Object.assign(process.env, phoneKeysToEnv({ keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() }));
}

export async function run(): Promise<BenchResult[]> {
	const db = await startBenchDatabase('throttle');
	const texts = RATE * (SECONDS + 15);
	const sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, maxMessages: (texts + WARM_UP) * 2, callbackRetry: { attempts: 1 } });
	sandbox.state.faults = { ...sandbox.state.faults, latencyMs: 100, dropCallbacks: 1 };
	const app = createDb({ url: db.url, max: 2, applicationName: 'bench-throttle' });
	let child: ReturnType<typeof spawn> | undefined;
	try {
		const [{ id: owner }] = await db.sql<{ id: string }[]>`insert into auth.users (email, email_confirmed_at) values ('throttle@example.com', now()) returning id`;
		const [org] = await db.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('throttle', 'Throttle') returning id`;
		await db.sql`select public.add_organization_member(${org!.id}, ${owner}, 'owner')`;
		const list = async (prefix: string, n: number) => {
			const [imp] = await db.sql<{ id: string }[]>`insert into public.sms_campaign_imports (organization_id) values (${org!.id}) returning id`;
			// Sealed as the import writes them (the worker opens them with the same keys).
			const cipher = phoneCipher();
			for (let from = 1; from <= n; from += 5000) {
				const rows = [];
				for (let i = from; i < Math.min(from + 5000, n + 1); i++) {
					const sealed = cipher.seal(prefix + String(i).padStart(7, '0'));
					rows.push({ row_number: i + 1, phone_enc: sealed.enc, phone_hash: sealed.hash, phone_last4: sealed.last4, n: String(i) });
				}
				await db.sql`
					insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, country)
					select ${imp!.id}, r.row_number, r.phone_enc, r.phone_hash, r.phone_last4, '1', jsonb_build_object('n', r.n), 'US'
					from jsonb_to_recordset(${db.sql.json(rows)}) as r(row_number integer, phone_enc text, phone_hash text, phone_last4 text, n text)`;
			}
			return imp!.id;
		};
		const warmImport = await list('+1556', WARM_UP);
		const imp = { id: await list('+1555', texts) };

		child = spawn(process.execPath, ['--import', 'tsx', path.resolve('apps/worker/src/main.ts')], {
			env: {
				PATH: process.env.PATH ?? '',
				DATABASE_URL: db.url,
				TWILIO_ACCOUNT_SID: ACCOUNT_SID,
				TWILIO_AUTH_TOKEN: AUTH_TOKEN,
				TWILIO_FROM_NUMBER: '+15005550006',
				TWILIO_API_BASE_URL: sandbox.url,
				PUBLIC_BASE_URL: 'http://127.0.0.1:9',
				WORKER_PORT: '0',
				LOG_LEVEL: 'warn',
				PHONE_ENCRYPTION_KEYS: process.env.PHONE_ENCRYPTION_KEYS ?? '',
				PHONE_ENCRYPTION_KEY_ID: process.env.PHONE_ENCRYPTION_KEY_ID ?? '',
				PHONE_INDEX_KEY: process.env.PHONE_INDEX_KEY ?? ''
			},
			// BENCH_WORKER_LOG=file keeps the worker's warnings (deadlocks, retries) for a look.
			stdio: ['ignore', process.env.BENCH_WORKER_LOG ? openSync(process.env.BENCH_WORKER_LOG, 'w') : 'ignore', 'inherit']
		});
		let exited: string | null = null;
		child.once('exit', (code, signal) => (exited = `worker exited early (${signal ?? code})`));
		await sleep(3000);

		const claims = { sub: owner, role: 'authenticated' as const };
		const isMeasured = (m: { body: string }) => m.body.startsWith('Throttle test ');
		// A worker runs all day: warm it (its connections, plans, the SDK's sockets) with a short
		// campaign first, so the figure is the throttle's, not a cold start's.
		const [{ id: warm }] = await app.asUser(claims, (tx) => tx<{ id: string }[]>`
			select public.create_campaign(${org!.id}, ${warmImport}, null, 'Warm-up {{n}}', 'Warm-up', null, ${RATE}, null) as id`);
		await app.asUser(claims, (tx) => tx`select public.start_campaign(${warm})`);
		const warmed = () => [...sandbox.state.store.all()].filter((m) => m.kind === 'api').length;
		for (const until = Date.now() + 120_000; warmed() < WARM_UP; ) {
			if (exited) throw new Error(exited);
			if (Date.now() > until) throw new Error(`warm-up campaign stalled: ${warmed()} of ${WARM_UP} texts`);
			await sleep(200);
		}
		await sleep(1000);
		const [{ id }] = await app.asUser(claims, (tx) => tx<{ id: string }[]>`
			select public.create_campaign(${org!.id}, ${imp!.id}, null, 'Throttle test {{n}}', 'Throttle', null, ${RATE}, null) as id`);
		const [{ r: started }] = await app.asUser(claims, (tx) => tx<{ r: { first_send_at: string } }[]>`select public.start_campaign(${id}) as r`);
		const firstSendAt = Date.parse(started.first_send_at);

		const sent = () => [...sandbox.state.store.all()].filter((m) => m.kind === 'api' && isMeasured(m));
		const received = () => sent().map((m) => m.dateCreated);
		const deadline = Date.now() + (SECONDS + 30) * 1000;
		for (;;) {
			const at = received();
			if (at.length > 0 && Math.max(...at) - Math.min(...at) >= SECONDS * 1000) break;
			if (exited) throw new Error(exited);
			if (Date.now() > deadline) throw new Error(`throttle stalled: ${at.length} texts`);
			await sleep(200);
		}
		await app.asUser(claims, (tx) => tx`select public.cancel_campaign(${id})`);
		const at = received().sort((a, b) => a - b);
		const first = at[0]!;
		const windows: number[] = [];
		for (let w = 0; w < Math.floor(SECONDS / WINDOW_S); w++) {
			const from = first + w * WINDOW_S * 1000;
			windows.push(at.filter((t) => t >= from && t < from + WINDOW_S * 1000).length / WINDOW_S);
		}
		const ratios = windows.map((r) => r / RATE);
		// Where the time goes: each text's lag, the sandbox's receipt minus the run_at its job got
		// (row n runs at first_send_at + (n - 1) / rate), over the measured span.
		const lags = sent()
			.filter((m) => m.dateCreated < first + SECONDS * 1000)
			.map((m) => m.dateCreated - (firstSendAt + (Number(/(\d+)$/.exec(m.body)?.[1]) - 1) * (1000 / RATE)))
			.sort((a, b) => a - b);
		const pct = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!.toFixed(0);
		if (process.env.BENCH_DEBUG) {
			const perSecond = new Map<number, number>();
			for (const t of at) perSecond.set(Math.floor((t - first) / 1000), (perSecond.get(Math.floor((t - first) / 1000)) ?? 0) + 1);
			process.stderr.write(`per second: ${[...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ')}\n`);
		}
		const lagNote = `lag behind run_at (ms): p50 ${pct(0.5)}, p95 ${pct(0.95)}, p99 ${pct(0.99)}, max ${pct(1)}`;
		const worstLow = Math.min(...windows);
		const worstHigh = Math.max(...windows);
		const notes = `per-window ratios (observed ÷ ${RATE}/s, ${WINDOW_S}-s windows from the first text): ${ratios.map((r) => r.toFixed(3)).join(', ')}; worker default 1 s poll, 100 ms Twilio latency, warmed by a ${WARM_UP}-text campaign; ${lagNote}`;
		return [
			{ name: 'campaign throttle, slowest 10-s window', value: worstLow, unit: 'texts/s', peer: { name: 'configured throttle', value: RATE }, ratioTarget: '>= 0.95', notes },
			{ name: 'campaign throttle, fastest 10-s window', value: worstHigh, unit: 'texts/s', peer: { name: 'configured throttle', value: RATE }, ratioTarget: '<= 1.05', notes: `${SECONDS} s measured` }
		];
	} finally {
		child?.kill('SIGTERM');
		if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child!.once("exit", r));
		await app.end();
		await sandbox.close();
		await db.stop();
	}
}
