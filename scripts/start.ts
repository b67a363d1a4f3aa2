/**
 * `npm start`: the whole local stack on embedded defaults — Postgres (data kept in DATA_DIR),
 * migrations + demo data, the Twilio sandbox (unless real Twilio credentials are configured),
 * the web app on its production build (or `vite dev` with --dev), and the worker.
 * Ctrl-C stops everything cleanly; the next start keeps all data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createDb, localPhoneKeys, migrate, PhoneCipher, phoneKeysToEnv, provisionLoginRoles, seed, repoRoot, urlForLogin, WEB_LOGIN, WORKER_LOGIN, type LoginRolePasswords } from '@sms/db';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@sms/db/embedded';
import { supervise } from './supervise.ts';

const args = new Set(process.argv.slice(2));
const dev = args.has('--dev');
const fresh = args.has('--fresh');

if (existsSync(path.join(repoRoot, '.env'))) process.loadEnvFile(path.join(repoRoot, '.env'));

const port = z.coerce.number().int().min(0).max(65535);
const parsed = z
	.object({
		DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
		DATABASE_URL: z.string().url().optional(),
		SMS_WEB_DB_PASSWORD: z.string().min(16, 'SMS_WEB_DB_PASSWORD must be at least 16 characters').optional(),
		SMS_WORKER_DB_PASSWORD: z.string().min(16, 'SMS_WORKER_DB_PASSWORD must be at least 16 characters').optional(),
		PG_PORT: port.default(54329),
		HOST: z.string().default('127.0.0.1'),
		PORT: port.default(3000),
		SANDBOX_PORT: port.default(4010),
		WORKER_PORT: port.default(4020),
		PUBLIC_BASE_URL: z.string().url().optional(),
		TWILIO_ACCOUNT_SID: z.string().optional(),
		TWILIO_AUTH_TOKEN: z.string().optional(),
		ADMIN_EMAILS: z.string().default('admin@example.com'),
		START_WORKER: z.enum(['true', 'false']).default('true'),
		SEED_DEMO_DATA: z.enum(['true', 'false']).default('true')
	})
	.safeParse(process.env);
if (!parsed.success) {
	for (const i of parsed.error.issues) console.error(`Invalid ${i.path.join('.')}: ${i.message}`);
	process.exit(1);
}
const env = parsed.data;
const dataDir = path.resolve(env.DATA_DIR);
const publicBaseUrl = env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`;
const useSandbox = !(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN);

// Fixed, obviously fake credentials: the sandbox checks them exactly like Twilio would.
const SANDBOX_CREDENTIALS = {
	TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1',
	TWILIO_AUTH_TOKEN: 'sandbox-auth-token-not-a-secret',
	TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1',
	TWILIO_MESSAGING_SERVICE_SID: 'MG' + '0'.repeat(31) + '1'
};

/** 50 MB of CSV (IMPORT_LIMITS.maxBytes) and the multipart form around it. */
const WEB_BODY_SIZE_LIMIT = '51M';

const children: { name: string; proc: ChildProcess }[] = [];
let pg: EmbeddedPostgresHandle | undefined;
let stopping = false;

function say(line: string) {
	process.stdout.write(`[start] ${line}\n`);
}

async function stopAll(code: number): Promise<never> {
	if (stopping) process.exit(code);
	stopping = true;
	say('stopping…');
	const stop = ({ proc }: { proc: ChildProcess }) =>
		new Promise<void>((resolve) => {
			if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
			const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
			proc.once('exit', () => {
				clearTimeout(timer);
				resolve();
			});
			proc.kill('SIGTERM');
		});
	// The worker finishes its in-flight sends against the sandbox, so the sandbox goes last.
	await Promise.all(children.filter((c) => c.name !== 'sandbox').map(stop));
	await Promise.all(children.filter((c) => c.name === 'sandbox').map(stop));
	await pg?.stop().catch(() => {});
	say('stopped');
	process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
// Last resort if this script dies abruptly: children are in their own groups, so kill them here.
process.on('exit', () => {
	for (const { proc } of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});
process.on('SIGTERM', () => void stopAll(0));

/** A secret that survives restarts (so sessions do too) without anyone configuring one. */
async function sessionSecret(): Promise<string> {
	if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
	const file = path.join(dataDir, 'session-secret');
	try {
		return (await readFile(file, 'utf8')).trim();
	} catch {
		const secret = randomBytes(32).toString('hex');
		await writeFile(file, secret + '\n', { mode: 0o600 });
		return secret;
	}
}

/**
 * Passwords of the web server's and the worker's login roles (local mode): from the environment,
 * else generated once and kept in the data directory (readable by this user only).
 */
async function loginPasswords(): Promise<LoginRolePasswords> {
	const file = path.join(dataDir, 'db-logins.json');
	let saved: Partial<LoginRolePasswords> = {};
	try {
		saved = z.object({ web: z.string(), worker: z.string() }).partial().parse(JSON.parse(await readFile(file, 'utf8')));
	} catch {
		// first start (or an unreadable file): new passwords
	}
	const passwords = {
		web: env.SMS_WEB_DB_PASSWORD ?? saved.web ?? randomBytes(24).toString('base64url'),
		worker: env.SMS_WORKER_DB_PASSWORD ?? saved.worker ?? randomBytes(24).toString('base64url')
	};
	if (passwords.web !== saved.web || passwords.worker !== saved.worker) {
		await writeFile(file, JSON.stringify(passwords) + '\n', { mode: 0o600 });
	}
	return passwords;
}

async function newestMtime(target: string): Promise<number> {
	const s = await stat(target).catch(() => null);
	if (!s) return 0;
	if (!s.isDirectory()) return s.mtimeMs;
	let newest = s.mtimeMs;
	for (const entry of await readdir(target)) {
		if (entry === 'node_modules' || entry.startsWith('.')) continue;
		newest = Math.max(newest, await newestMtime(path.join(target, entry)));
	}
	return newest;
}

async function buildIsStale(): Promise<boolean> {
	const built = await stat(path.join(repoRoot, 'build/handler.js')).catch(() => null);
	if (!built) return true;
	const sources = ['src', 'packages/db/src', 'packages/twilio-service/src', 'svelte.config.js', 'vite.config.ts'];
	for (const s of sources) if ((await newestMtime(path.join(repoRoot, s))) > built.mtimeMs) return true;
	return false;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const NOISE = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'service']);

/** pino's JSON lines, shortened for a person watching the terminal (the services log JSON). */
function readable(line: string): string {
	if (!line.startsWith('{')) return line;
	try {
		const entry = JSON.parse(line) as Record<string, unknown>;
		if (typeof entry.msg !== 'string') return line;
		const rest = Object.entries(entry)
			.filter(([k]) => !NOISE.has(k))
			.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
			.join(' ');
		const level = LEVELS[Number(entry.level)] ?? '';
		return `${level ? level + ' ' : ''}${entry.msg}${rest ? '  ' + rest : ''}`;
	} catch {
		return line;
	}
}

function spawnChild(name: string, command: string, argv: string[], childEnv: NodeJS.ProcessEnv): ChildProcess {
	// Own process group: a Ctrl-C in the terminal reaches only this script, which then stops each
	// child once, in order, so the worker can drain instead of seeing two signals.
	const proc = spawn(command, argv, { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	const prefix = (chunk: Buffer) =>
		chunk
			.toString()
			.split('\n')
			.filter(Boolean)
			.map((l) => `[${name}] ${readable(l)}\n`)
			.join('');
	proc.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
	proc.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
	return proc;
}

/**
 * Starts a service and keeps it running: one that dies (a crash, a database restart it could
 * not ride out) is restarted with back-off instead of taking the whole stack down.
 */
function run(name: string, command: string, argv: string[], childEnv: NodeJS.ProcessEnv): ChildProcess {
	const entry = { name, proc: undefined as unknown as ChildProcess };
	children.push(entry);
	const handle = supervise({
		name,
		start: () => (entry.proc = spawnChild(name, command, argv, childEnv)),
		stopping: () => stopping,
		say,
		giveUp: () => void stopAll(1)
	});
	return handle.current();
}

async function waitFor(url: string, name: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (stopping) return;
		try {
			const res = await fetch(url);
			if (res.status < 500) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	say(`${name} did not answer at ${url} within ${timeoutMs / 1000} s`);
	await stopAll(1);
}

async function main() {
	if (fresh) await rm(dataDir, { recursive: true, force: true });
	await mkdir(dataDir, { recursive: true, mode: 0o755 });

	let databaseUrl = env.DATABASE_URL;
	if (!databaseUrl) {
		pg = await startEmbeddedPostgres({
			dataDir: path.join(dataDir, 'postgres'),
			port: env.PG_PORT,
			persistent: true,
			onNotice: (m) => say(m)
		});
		const admin = createDb({ url: pg.url('postgres'), max: 1 });
		const exists = await admin.sql`select 1 from pg_database where datname = 'sms'`;
		if (exists.length === 0) await admin.sql.unsafe('create database sms');
		await admin.end();
		databaseUrl = pg.url('sms');
		say(`postgres   ${databaseUrl} (data in ${pg.dataDir})`);
	}

	// Phone-number keys: from the environment, else generated once into the data directory
	// (like the session secret). The migration encrypts any number still stored in clear.
	const phoneKeys = await localPhoneKeys(dataDir);
	const db = createDb({ url: databaseUrl, max: 1 });
	const migrated = await migrate(db.sql, { phoneCipher: new PhoneCipher(phoneKeys) });
	say(`migrations ${migrated.applied.length} applied, ${migrated.skipped.length} already in place`);
	if (env.SEED_DEMO_DATA === 'true' && (await seed(db.sql, undefined, { phoneCipher: new PhoneCipher(phoneKeys) }))) say('demo data  seeded (alice@example.com, bob@example.com, admin@example.com)');
	// Local mode: the web server and the worker connect with their own least-privilege logins;
	// only migrations and seeding use the owner. A DATABASE_URL you give is used as it is.
	let webUrl = databaseUrl;
	let workerUrl = databaseUrl;
	if (pg) {
		const passwords = await loginPasswords();
		await provisionLoginRoles(db.sql, passwords);
		webUrl = urlForLogin(databaseUrl, WEB_LOGIN, passwords.web);
		workerUrl = urlForLogin(databaseUrl, WORKER_LOGIN, passwords.worker);
		say(`logins     web as ${WEB_LOGIN}, worker as ${WORKER_LOGIN} (passwords in ${path.join(dataDir, 'db-logins.json')})`);
	}
	await db.end();

	const twilio = useSandbox
		? { ...SANDBOX_CREDENTIALS, TWILIO_API_BASE_URL: `http://127.0.0.1:${env.SANDBOX_PORT}` }
		: {};
	const shared: NodeJS.ProcessEnv = {
		...process.env,
		...twilio,
		DATABASE_URL: webUrl,
		PUBLIC_BASE_URL: publicBaseUrl,
		SESSION_SECRET: await sessionSecret(),
		...phoneKeysToEnv(phoneKeys),
		ADMIN_EMAILS: env.ADMIN_EMAILS
	};

	const sandboxMain = path.join(repoRoot, 'apps/twilio-sandbox/src/main.ts');
	if (useSandbox && existsSync(sandboxMain)) {
		run('sandbox', process.execPath, ['--import', 'tsx', sandboxMain], {
			...shared,
			SANDBOX_PORT: String(env.SANDBOX_PORT),
			SANDBOX_INCOMING_WEBHOOK_URL: `${publicBaseUrl}/api/webhooks/twilio/incoming`
		});
		await waitFor(`http://127.0.0.1:${env.SANDBOX_PORT}/`, 'sandbox');
	}

	if (dev) {
		run('web', process.execPath, ['node_modules/vite/bin/vite.js', 'dev', '--host', env.HOST, '--port', String(env.PORT), '--strictPort'], { ...shared, HOST: env.HOST });
	} else {
		if (await buildIsStale()) {
			say('building the web app (vite build)…');
			const code = await new Promise<number | null>((resolve) =>
				spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: repoRoot, stdio: 'inherit', env: process.env }).on('exit', resolve)
			);
			if (code !== 0) {
				say('the build failed');
				return stopAll(1);
			}
		}
		run('web', process.execPath, ['build/index.js'], {
			...shared,
			HOST: env.HOST,
			PORT: String(env.PORT),
			ORIGIN: publicBaseUrl,
			// adapter-node refuses bodies over 512 KB by default; campaign CSVs go up to 50 MB (the
			// route answers 413 itself for a file over that, up to this limit; past it, adapter-node).
			BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT || WEB_BODY_SIZE_LIMIT
		});
	}
	await waitFor(`http://${env.HOST}:${env.PORT}/api/health`, 'web');

	const workerMain = path.join(repoRoot, 'apps/worker/src/main.ts');
	if (env.START_WORKER === 'true' && existsSync(workerMain)) {
		// Same heap bounds as apps/worker's start script: without them V8 lets garbage grow to ~250 MB.
		run('worker', process.execPath, ['--max-old-space-size=80', '--max-semi-space-size=4', '--import', 'tsx', workerMain], { ...shared, DATABASE_URL: workerUrl, WORKER_PORT: String(env.WORKER_PORT) });
		await waitFor(`http://127.0.0.1:${env.WORKER_PORT}/health`, 'worker');
	}

	say('ready:');
	say(`  web app     http://${env.HOST}:${env.PORT}  (local sign-in: any e-mail; demo history: alice@example.com)`);
	if (children.some((c) => c.name === 'sandbox')) say(`  dev phone   http://127.0.0.1:${env.SANDBOX_PORT}  (Twilio sandbox: inboxes, codes, replies)`);
	if (children.some((c) => c.name === 'worker')) say(`  worker      http://127.0.0.1:${env.WORKER_PORT}/health  /metrics`);
	say(`Ctrl-C stops everything; data is kept in ${pg ? pg.dataDir : dataDir}`);
}

main().catch(async (err: unknown) => {
	say(err instanceof Error ? err.message : String(err));
	await stopAll(1);
});
