import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import postgres from 'postgres';
import { createDb, type Db, type Sql } from '../client.ts';
import './provided.ts';

export interface TestDatabase {
	/** Connection URL of this test file's own database. */
	url: string;
	/** Superuser connection: for arranging fixtures only, never for asserting RLS. */
	sql: Sql;
	/** asUser / asAnon / asService, exactly as the app uses them. */
	db: Db;
	close(): Promise<void>;
}

let adminSql: Sql | undefined;

function admin(): Sql {
	adminSql ??= postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => {} });
	return adminSql;
}

/** A fresh database cloned from the migrated template: each test file gets its own. */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
	const name = `t_${randomBytes(6).toString('hex')}`;
	await admin().unsafe(`create database ${name} template ${inject('pgTemplate')}`);
	const url = inject('pgAdminUrl').replace(/\/postgres$/, `/${name}`);
	const db = createDb({ url, max: options.max ?? 10, applicationName: 'sms-test' });
	return {
		url,
		sql: db.sql,
		db,
		async close() {
			await db.end();
		}
	};
}

/** A fresh, empty database (nothing migrated): for tests of the migrations themselves. */
export async function createEmptyDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
	const name = `e_${randomBytes(6).toString('hex')}`;
	await admin().unsafe(`create database ${name} template template0`);
	const url = inject('pgAdminUrl').replace(/\/postgres$/, `/${name}`);
	const db = createDb({ url, max: options.max ?? 5, applicationName: 'sms-test' });
	return {
		url,
		sql: db.sql,
		db,
		async close() {
			await db.end();
		}
	};
}

/** Inserts a user into auth.users (as Supabase Auth would) and returns its id. */
export async function createUser(sql: Sql, options: { email?: string } = {}): Promise<string> {
	const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.com`;
	const [row] = await sql<{ id: string }[]>`
		insert into auth.users (email, email_confirmed_at) values (${email}, now()) returning id`;
	return row.id;
}

export { sealedPhone, sealedPhoneText, phoneColumns, phoneHash, openPhone } from './sealed-phone.ts';
export type { SealedPhoneValue, PhoneColumns } from './sealed-phone.ts';
