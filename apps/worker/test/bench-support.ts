/**
 * Shared set-up for the worker's benchmarks (bench/worker-*, queue-*, enqueue-*): each bench
 * gets its own embedded Postgres in a temp dir (durable settings, as in production: fsync on),
 * migrated, and removed afterwards.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, newPhoneKey, phoneCipher, phoneKeysToEnv, type Sql } from '@sms/db';
import { callingCodeOf } from '@sms/twilio-service/validate';

/**
 * Phone-number keys for a bench run (numbers are stored sealed; the worker opens them), in this
 * process's environment unless given: pass `benchPhoneEnv()` to a worker process the bench starts.
 */
if (!process.env.PHONE_ENCRYPTION_KEYS || !process.env.PHONE_INDEX_KEY) {
	Object.assign(process.env, phoneKeysToEnv({ keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() }));
}
export function benchPhoneEnv(): Record<string, string> {
	const { PHONE_ENCRYPTION_KEYS = '', PHONE_ENCRYPTION_KEY_ID = '', PHONE_INDEX_KEY = '' } = process.env;
	return { PHONE_ENCRYPTION_KEYS, PHONE_ENCRYPTION_KEY_ID, PHONE_INDEX_KEY };
}
import { startEmbeddedPostgres } from '@sms/db/embedded';

export interface BenchDatabase {
	url: string;
	/** Superuser pool for arranging data. */
	sql: Sql;
	stop(): Promise<void>;
}

export async function startBenchDatabase(name: string): Promise<BenchDatabase> {
	const base = await mkdtemp(path.join(os.tmpdir(), `sms-bench-${name}-`));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false, maxConnections: 200 });
	const url = pg.url('postgres');
	const db = createDb({ url, max: 10, applicationName: `bench-${name}` });
	await migrate(db.sql);
	return {
		url,
		sql: db.sql,
		async stop() {
			await db.end();
			await pg.stop();
			await rm(base, { recursive: true, force: true });
		}
	};
}

/** `count` users with verified phones +1555…, no quiet hours, the given daily limit. */
export async function createBenchUsers(sql: Sql, count: number, dailyLimit: number): Promise<{ userId: string; phone: string }[]> {
	const users: { userId: string; phone: string }[] = [];
	for (let i = 0; i < count; i++) {
		const phone = `+1555${String(1_000_000 + i).slice(1)}`;
		const [{ id: userId }] = await sql<{ id: string }[]>`
			insert into auth.users (email, email_confirmed_at) values (${`bench-${i}@example.com`}, now()) returning id`;
		const s = phoneCipher().seal(phone);
		await sql`select public.set_verified_phone(${userId}, row(${s.enc}, ${s.hash}, ${s.last4}, ${callingCodeOf(phone)})::public.sealed_phone)`;
		await sql`update public.user_sms_preferences set daily_limit = ${dailyLimit} where user_id = ${userId}`;
		users.push({ userId, phone });
	}
	return users;
}

/** Peak resident set (VmHWM) of a process, in MiB, from /proc. */
export async function peakRssMiB(pid: number): Promise<number | null> {
	const { readFile } = await import('node:fs/promises');
	try {
		const status = await readFile(`/proc/${pid}/status`, 'utf8');
		const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
		return m ? Number(m[1]) / 1024 : null;
	} catch {
		return null;
	}
}
