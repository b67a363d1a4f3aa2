import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from './client.ts';
import { DatabaseSetupError } from './errors.ts';
import { countClearPhones, sealStoredPhones } from './phone-backfill.ts';
import { PhoneCipher, PhoneCryptoError, phoneCipher } from './phone-crypto.ts';
import { compatFile, migrationsDir as defaultMigrationsDir, seedFile } from './paths.ts';

/** Serialises concurrent runners (two processes starting at once) on one database. */
const MIGRATION_LOCK = 7_263_419_001;

/** Same file-name rule as the Supabase CLI: `<timestamp>_<name>.sql`. */
const MIGRATION_FILE = /^(\d+)_(.+)\.sql$/;

export interface Migration {
	version: string;
	name: string;
	file: string;
}

export interface MigrateResult {
	compatApplied: boolean;
	applied: string[];
	skipped: string[];
}

export async function listMigrations(dir = defaultMigrationsDir): Promise<Migration[]> {
	const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
	return files.map((file) => {
		const match = MIGRATION_FILE.exec(file);
		if (!match) {
			throw new DatabaseSetupError(
				'bad_migration_name',
				`Migration file "${file}" must be named <YYYYMMDDHHMMSS>_<name>.sql`
			);
		}
		return { version: match[1], name: match[2], file: path.join(dir, file) };
	});
}

/**
 * Applies the Supabase compat layer (plain Postgres only) and every pending migration, each
 * in its own transaction, recording versions in supabase_migrations.schema_migrations the way
 * the Supabase CLI does — so `supabase db push` later sees them as applied.
 */
export interface MigrateOptions {
	dir?: string;
	/**
	 * Apply only migrations whose version is <= this one (e.g. to build a database at an older
	 * schema in a test, then migrate the rest and check the data survived).
	 */
	upTo?: string;
	/**
	 * Encrypts numbers stored in clear before the encryption migrations (the Node step marked
	 * `-- @node-step: seal-phones` in a migration runs just before it). Default: the keys in the
	 * environment (PHONE_ENCRYPTION_KEYS, PHONE_INDEX_KEY); without them, a database that holds
	 * no such number still migrates.
	 */
	phoneCipher?: PhoneCipher;
}

/** Marks a migration that must be preceded by the Node step encrypting stored numbers. */
const SEAL_PHONES_STEP = '-- @node-step: seal-phones';

async function sealPhonesStep(sql: Sql, given: PhoneCipher | undefined, file: string): Promise<void> {
	let cipher = given;
	if (!cipher) {
		try {
			cipher = phoneCipher();
		} catch (error) {
			if (!(error instanceof PhoneCryptoError)) throw error;
			const left = await countClearPhones(sql);
			if (left.length === 0) return;
			throw new DatabaseSetupError(
				'phone_keys_missing',
				`Migration ${path.basename(file)} encrypts stored phone numbers (${left.map((l) => `${l.table}: ${l.rows}`).join(', ')}) ` +
					`and needs the keys: ${error.message}`
			);
		}
	}
	await sealStoredPhones(sql, cipher);
}

export async function migrate(sql: Sql, options: MigrateOptions = {}): Promise<MigrateResult> {
	const upTo = options.upTo;
	const migrations = (await listMigrations(options.dir)).filter((m) => upTo === undefined || m.version <= upTo);
	const result: MigrateResult = { compatApplied: false, applied: [], skipped: [] };

	await sql.begin(async (tx) => {
		await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
		const [{ has_auth }] = await tx<{ has_auth: boolean }[]>`
			select to_regclass('auth.users') is not null as has_auth`;
		if (!has_auth) {
			await tx.unsafe(await readFile(compatFile, 'utf8'));
			result.compatApplied = true;
		}
		await tx.unsafe(`
			create schema if not exists supabase_migrations;
			create table if not exists supabase_migrations.schema_migrations (
				version text not null primary key,
				statements text[],
				name text
			);`);
	});

	for (const m of migrations) {
		const content = await readFile(m.file, 'utf8');
		if (content.includes(SEAL_PHONES_STEP)) {
			const [done] = await sql`select 1 from supabase_migrations.schema_migrations where version = ${m.version}`;
			if (!done) await sealPhonesStep(sql, options.phoneCipher, m.file);
		}
		await sql
			.begin(async (tx) => {
				await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
				const done = await tx`
					select 1 from supabase_migrations.schema_migrations where version = ${m.version}`;
				if (done.length > 0) {
					result.skipped.push(m.version);
					return;
				}
				await tx.unsafe(content);
				await tx`
					insert into supabase_migrations.schema_migrations (version, statements, name)
					values (${m.version}, ${[content]}, ${m.name})`;
				result.applied.push(m.version);
			})
			.catch((cause: unknown) => {
				const detail = cause instanceof Error ? cause.message : String(cause);
				throw new DatabaseSetupError(
					'migration_failed',
					`Migration ${path.basename(m.file)} failed: ${detail}`,
					{ cause }
				);
			});
	}
	return result;
}

/**
 * Applies supabase/seed.sql (demo data; written to be idempotent). Its numbers are sealed here
 * first and handed over in the setting `seed.phones` (the send-path tables take sealed values
 * only); afterwards any number it wrote in clear elsewhere (the demo payloads carry a From) is
 * encrypted — SQL cannot.
 */
export async function seed(sql: Sql, file = seedFile, options: { phoneCipher?: PhoneCipher } = {}): Promise<boolean> {
	let content: string;
	try {
		content = await readFile(file, 'utf8');
	} catch {
		return false;
	}
	let cipher = options.phoneCipher;
	if (!cipher) {
		try {
			cipher = phoneCipher();
		} catch (error) {
			if (!(error instanceof PhoneCryptoError)) throw error;
			throw new DatabaseSetupError('phone_keys_missing', `Seeding encrypts the demo data's phone numbers and needs the keys: ${error.message}`);
		}
	}
	// The demo numbers, sealed here and handed to seed.sql in a transaction-local setting
	// (pg_temp.seed_phone reads it): the send-path tables take sealed values only.
	const sealed: Record<string, { enc: string; hash: string; last4: string; calling_code: string | null }> = {};
	const numbers = [...new Set(content.match(/\+[1-9]\d{6,14}/g) ?? [])];
	const codes = await sql<{ e164: string; code: string | null }[]>`
		select n as e164, public.e164_calling_code(n) as code from unnest(${numbers}::text[]) n`;
	for (const { e164, code } of codes) {
		const s = cipher.seal(e164);
		sealed[e164] = { enc: s.enc, hash: s.hash, last4: s.last4, calling_code: code };
	}
	await sql.begin(async (tx) => {
		await tx`select set_config('seed.phones', ${JSON.stringify(sealed)}, true)`;
		await tx.unsafe(content);
	});
	await sealStoredPhones(sql, cipher);
	return true;
}
