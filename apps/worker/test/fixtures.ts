/**
 * Shared arrangements for the worker's integration tests: a fresh migrated database, the
 * Twilio sandbox in-process, the real SMSService (real twilio SDK) pointed at it, and users
 * with preferences. Nothing of ours is faked.
 */
import type { Sql } from '@sms/db';
import { createTestDatabase, createUser, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox, type SandboxMessage } from '@sms/twilio-sandbox';
import { SMSService, TwilioClient } from '@sms/twilio-service';
import { createWorkerPool } from '../src/db.ts';
import { createWorker, type CreateWorkerOptions, type Worker } from '../src/worker.ts';

/** Sealed numbers for fixtures (the send path stores none in clear). */
export { phoneColumns, phoneHash, sealedPhoneText } from '@sms/db/testing';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'test-auth-token';
export const FROM = '+15005550006';
/** Nothing listens here: status callbacks fail fast (refused) and are not part of these tests. */
export const PUBLIC_BASE_URL = 'http://127.0.0.1:9';
export const STATUS_CALLBACK_URL = `${PUBLIC_BASE_URL}/api/webhooks/twilio/status`;

export interface WorkerTestEnv {
	db: TestDatabase;
	/** Superuser connection for fixtures and assertions. */
	sql: Sql;
	/** service_role pool, as the worker uses it. */
	pool: Sql;
	sandbox: Sandbox;
	sms: SMSService;
	workers: Worker[];
	startWorker(options?: Partial<CreateWorkerOptions>): Promise<Worker>;
	close(): Promise<void>;
}

export async function setupWorkerEnv(): Promise<WorkerTestEnv> {
	const db = await createTestDatabase();
	const sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, defaultFrom: FROM, callbackRetry: { attempts: 1 } });
	const pool = createWorkerPool({ url: db.url, max: 8 });
	const sms = new SMSService({
		client: new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, baseUrl: sandbox.url, timeoutMs: 5000 })
	});
	const workers: Worker[] = [];
	return {
		db,
		sql: db.sql,
		pool,
		sandbox,
		sms,
		workers,
		async startWorker(options = {}) {
			const worker = createWorker({
				sql: pool,
				sms,
				statusCallbackUrl: STATUS_CALLBACK_URL,
				pollIntervalMs: 100,
				retryBaseMs: 50,
				retryMaxMs: 400,
				reconcile: false,
				...options
			});
			workers.push(worker);
			await worker.start();
			return worker;
		},
		async close() {
			await Promise.all(workers.map((w) => w.stop()));
			await pool.end({ timeout: 5 });
			await sandbox.close();
			await db.close();
		}
	};
}

export interface UserPrefs {
	phone: string;
	verified?: boolean;
	timeZone?: string;
	quietHoursStart?: string | null;
	quietHoursEnd?: string | null;
	dailyLimit?: number;
	optedOut?: boolean;
}

let phoneCounter = 0;
/** A fresh US-looking number that no sandbox magic number collides with. */
export function nextPhone(): string {
	phoneCounter++;
	return `+1555${String(process.pid % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

/** A user with a phone (verified unless said otherwise) and the given preferences. */
export async function createSmsUser(sql: Sql, prefs: UserPrefs): Promise<string> {
	const userId = await createUser(sql);
	const phone = sealedPhoneText(prefs.phone);
	if (prefs.verified === false) await sql`select public.set_unverified_phone(${userId}, ${phone}::public.sealed_phone)`;
	else await sql`select public.set_verified_phone(${userId}, ${phone}::public.sealed_phone)`;
	await sql`
		update public.user_sms_preferences
		set time_zone = ${prefs.timeZone ?? 'UTC'},
		    quiet_hours_start = ${prefs.quietHoursStart ?? null}::time,
		    quiet_hours_end = ${prefs.quietHoursEnd ?? null}::time,
		    daily_limit = ${prefs.dailyLimit ?? 50},
		    opted_out = ${prefs.optedOut ?? false}
		where user_id = ${userId}`;
	return userId;
}

export async function queueText(
	sql: Sql,
	input: { userId: string; body: string; phone?: string; priority?: string; type?: string }
): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		select public.queue_sms_message(
			p_user_id => ${input.userId}, p_phone_sealed => ${input.phone ? sealedPhoneText(input.phone) : null}::public.sealed_phone, p_message => ${input.body},
			p_priority => ${input.priority ?? 'normal'}, p_notification_type => ${input.type ?? 'custom'}) as id`;
	return row.id;
}

export interface MessageRow {
	id: string;
	status: string;
	status_reason: string | null;
	twilio_sid: string | null;
	attempt_count: number;
	scheduled_for: Date | null;
	error_code: number | null;
	error_message: string | null;
	price: string | null;
	job_status: string;
	job_attempts: number;
	job_run_at: Date;
	job_last_error: string | null;
}

export async function messageRow(sql: Sql, id: string): Promise<MessageRow> {
	const [row] = await sql<MessageRow[]>`
		select m.id, m.status, m.status_reason, m.twilio_sid, m.attempt_count, m.scheduled_for,
		       m.error_code, m.error_message, m.price::text as price,
		       j.status as job_status, j.attempts as job_attempts, j.run_at as job_run_at, j.last_error as job_last_error
		from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
		where m.id = ${id}`;
	return row;
}

/** Texts the sandbox received from the API (not Verify codes), optionally to one number. */
export function sandboxTexts(sandbox: Sandbox, to?: string): SandboxMessage[] {
	const all = to ? [...sandbox.state.store.forPhone(to)] : [...sandbox.state.store.all()];
	return all.filter((m) => m.kind === 'api' && (!to || m.to === to));
}

export async function waitFor<T>(check: () => Promise<T> | T, options: { timeoutMs?: number; message?: string } = {}): Promise<NonNullable<T>> {
	const deadline = Date.now() + (options.timeoutMs ?? 10_000);
	for (;;) {
		const value = await check();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting: ${options.message ?? check.toString()}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** All jobs done: none pending-and-due or processing. */
export async function queueSettled(sql: Sql): Promise<boolean> {
	const [row] = await sql<{ n: number }[]>`
		select count(*)::int as n from public.queue_jobs
		where status = 'processing' or (status = 'pending' and run_at <= now())`;
	return row.n === 0;
}

export interface WorkerChild {
	child: import('node:child_process').ChildProcess;
	/** Resolves with the exit code (null when killed by a signal) and the signal. */
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** The /health and /metrics base URL the child announced. */
	healthUrl: Promise<string>;
	output(): string;
}

/**
 * The real worker process (`main.ts` under tsx's loader), configured only through its
 * environment. Spawned as `node --import tsx` rather than the tsx CLI so that a signal
 * (SIGKILL above all) reaches the worker itself, not a wrapper.
 */
export async function spawnWorker(env: { db: { url: string }; sandbox: Sandbox }, extra: Record<string, string> = {}): Promise<WorkerChild> {
	const { spawn } = await import('node:child_process');
	const path = await import('node:path');
	const { fileURLToPath } = await import('node:url');
	const here = path.dirname(fileURLToPath(import.meta.url));
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../src/main.ts')], {
		cwd: path.resolve(here, '../../..'),
		env: {
			PATH: process.env.PATH ?? '',
			DATABASE_URL: env.db.url,
			TWILIO_ACCOUNT_SID: ACCOUNT_SID,
			TWILIO_AUTH_TOKEN: AUTH_TOKEN,
			TWILIO_FROM_NUMBER: FROM,
			TWILIO_API_BASE_URL: env.sandbox.url,
			PUBLIC_BASE_URL,
			WORKER_PORT: '0',
			WORKER_POLL_INTERVAL_MS: '100',
			LOG_LEVEL: 'info',
			// The tests' phone keys (vite.config.ts): the worker opens the numbers it sends to.
			PHONE_ENCRYPTION_KEYS: process.env.PHONE_ENCRYPTION_KEYS ?? '',
			PHONE_ENCRYPTION_KEY_ID: process.env.PHONE_ENCRYPTION_KEY_ID ?? '',
			PHONE_INDEX_KEY: process.env.PHONE_INDEX_KEY ?? '',
			...extra
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	let announce: (url: string) => void = () => {};
	const healthUrl = new Promise<string>((resolve) => (announce = resolve));
	const onData = (chunk: Buffer) => {
		out += chunk.toString();
		const m = /"health":"(http:\/\/[^"]+)"/.exec(out);
		if (m) announce(m[1]!);
	};
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.once('exit', (code, signal) => resolve({ code, signal }))
	);
	return { child, exited, healthUrl, output: () => out };
}

/** A counter's value from a Prometheus text exposition. */
export function metricValue(text: string, name: string): number {
	const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
	return m ? Number(m[1]) : 0;
}
