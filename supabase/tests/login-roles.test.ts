/**
 * The web server's and the worker's login roles (sms_web, sms_worker) have least privilege:
 * they cannot create objects anywhere, read auth beyond what service_role needs, read the
 * migrations table, or become the owner / a superuser — neither directly nor through any role
 * they may `set role` to. Each attempt really connects as the login and runs the statement.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRolePool, provisionLoginRoles, urlForLogin, type Sql } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;
let web: Sql;
let worker: Sql;
const passwords = { web: randomBytes(18).toString('base64url'), worker: randomBytes(18).toString('base64url') };

type Login = 'sms_web' | 'sms_worker';
/** What each login may become (besides itself); `null` = the login without `set role`. */
const BECOMES: Record<Login, (string | null)[]> = {
	sms_web: [null, 'anon', 'authenticated', 'service_role'],
	sms_worker: [null, 'service_role']
};
const sqlOf = (login: Login) => (login === 'sms_web' ? web : worker);

/** Runs `statement` as `login` (after `set local role`, when given); the SQLSTATE it failed with, or null. */
async function attempt(login: Login, role: string | null, statement: string): Promise<string | null> {
	try {
		await sqlOf(login).begin(async (tx) => {
			if (role) await tx.unsafe(`set local role ${role}`);
			await tx.unsafe(statement);
			throw new Rollback();
		});
		return null;
	} catch (error) {
		if (error instanceof Rollback) return null;
		return (error as { code?: string }).code ?? String(error);
	}
}
class Rollback extends Error {}

beforeAll(async () => {
	t = await createTestDatabase();
	await provisionLoginRoles(t.sql, passwords);
	web = postgres(urlForLogin(t.url, 'sms_web', passwords.web), { max: 2, onnotice: () => {} });
	worker = postgres(urlForLogin(t.url, 'sms_worker', passwords.worker), { max: 2, onnotice: () => {} });
});

afterAll(async () => {
	await Promise.all([web?.end(), worker?.end()]);
	await t?.close();
});

describe('login roles', () => {
	it('are plain logins: no superuser, createrole, createdb, replication, bypassrls, and inherit nothing', async () => {
		const rows = await t.sql`
			select rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit
			from pg_roles where rolname in ('sms_web', 'sms_worker') order by rolname`;
		const plain = { rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false, rolinherit: false };
		expect(rows).toEqual([
			{ rolname: 'sms_web', ...plain },
			{ rolname: 'sms_worker', ...plain }
		]);
	});

	it('can become exactly their API roles, nothing else (no owner, no pg_* role)', async () => {
		const members = async (login: Login) =>
			(await t.sql<{ rolname: string }[]>`
				select rolname from pg_roles where pg_has_role(${login}, oid, 'member') order by rolname`).map((r) => r.rolname);
		expect(await members('sms_web')).toEqual(['anon', 'authenticated', 'service_role', 'sms_web']);
		expect(await members('sms_worker')).toEqual(['service_role', 'sms_worker']);
	});

	it('cannot switch to the owner or a superuser, directly or from a role they became', async () => {
		const [{ owner }] = await t.sql<{ owner: string }[]>`select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()`;
		const superusers = (await t.sql<{ rolname: string }[]>`select rolname from pg_roles where rolsuper`).map((r) => r.rolname);
		for (const login of ['sms_web', 'sms_worker'] as const) {
			for (const role of BECOMES[login]) {
				for (const target of new Set([owner, ...superusers])) {
					expect(await attempt(login, role, `set role "${target}"`), `${login} as ${role} → ${target}`).toBe('42501');
					expect(await attempt(login, role, `set session authorization "${target}"`), `${login} as ${role} → ${target}`).toBe('42501');
				}
				expect(await attempt(login, role, `alter role ${login} superuser`)).toBe('42501');
				expect(await attempt(login, role, `grant "${owner}" to ${login}`)).toBe('42501');
			}
		}
		// And the attempts left no membership behind.
		const [{ member }] = await t.sql<{ member: boolean }[]>`
			select pg_has_role('sms_web', ${owner}, 'member') or pg_has_role('sms_worker', ${owner}, 'member') as member`;
		expect(member).toBe(false);
	});

	it('cannot create objects in any schema, nor schemas, nor temporary tables, whatever role they take', async () => {
		const schemas = (await t.sql<{ nspname: string }[]>`
			select nspname from pg_namespace where nspname not like 'pg\\_temp\\_%' and nspname not like 'pg\\_toast%' order by 1`).map((r) => r.nspname);
		expect(schemas).toEqual(expect.arrayContaining(['auth', 'internal', 'public', 'supabase_migrations']));
		const name = `x_${randomBytes(4).toString('hex')}`;
		for (const login of ['sms_web', 'sms_worker'] as const) {
			for (const role of BECOMES[login]) {
				const who = `${login} as ${role ?? 'itself'}`;
				for (const schema of schemas) {
					expect(await attempt(login, role, `create table "${schema}".${name} (id int)`), `${who}: table in ${schema}`).toBe('42501');
					expect(await attempt(login, role, `create function "${schema}".${name}() returns int language sql as 'select 1'`), `${who}: function in ${schema}`).toBe('42501');
				}
				expect(await attempt(login, role, `create schema ${name}`), `${who}: schema`).toBe('42501');
				expect(await attempt(login, role, `create temporary table ${name} (id int)`), `${who}: temp table`).toBe('42501');
			}
		}
	});

	it('read auth only as service_role, and only what it needs (no writes)', async () => {
		await createUser(t.sql, { email: 'someone@example.com' });
		const tables = (await t.sql<{ name: string }[]>`
			select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname = 'auth'`).map((r) => r.name);
		expect(tables).toContain('auth.users');
		for (const login of ['sms_web', 'sms_worker'] as const) {
			for (const role of BECOMES[login].filter((r) => r !== 'service_role')) {
				for (const table of tables) expect(await attempt(login, role, `select * from ${table} limit 1`), `${login} as ${role}: ${table}`).toBe('42501');
			}
			expect(await attempt(login, 'service_role', 'select id, email from auth.users limit 1')).toBeNull();
			expect(await attempt(login, 'service_role', `insert into auth.users (email) values ('new@example.com')`)).toBe('42501');
			expect(await attempt(login, 'service_role', `update auth.users set email = 'x@example.com'`)).toBe('42501');
			expect(await attempt(login, 'service_role', 'delete from auth.users')).toBe('42501');
		}
	});

	it('cannot read the migrations table', async () => {
		for (const login of ['sms_web', 'sms_worker'] as const) {
			for (const role of BECOMES[login]) {
				expect(await attempt(login, role, 'select * from supabase_migrations.schema_migrations limit 1'), `${login} as ${role}`).toBe('42501');
			}
		}
	});

	it('can still do their jobs: the web login signs a local user in as service_role, the worker pool runs as service_role', async () => {
		expect(await attempt('sms_web', null, 'select 1')).toBeNull();
		expect(await attempt('sms_web', null, 'listen sms_status')).toBeNull();
		expect(await attempt('sms_web', 'authenticated', `select public.local_sign_in('eve@example.com', true)`)).toBe('42501');
		const [{ id }] = await web.begin(async (tx) => {
			await tx`set local role service_role`;
			return tx<{ id: string }[]>`select public.local_sign_in(' Eve@Example.com ', false) as id`;
		});
		const [user] = await t.sql`select email from auth.users where id = ${id}`;
		expect(user).toEqual({ email: 'eve@example.com' });

		const pool = createRolePool({ url: urlForLogin(t.url, 'sms_worker', passwords.worker), role: 'service_role', max: 1 });
		try {
			const [row] = await pool<{ role: string; login: string }[]>`select current_user as role, session_user as login`;
			expect(row).toEqual({ role: 'service_role', login: 'sms_worker' });
		} finally {
			await pool.end();
		}
	});

	it('a wrong password is refused', async () => {
		const intruder = postgres(urlForLogin(t.url, 'sms_web', 'not-the-password'), { max: 1, onnotice: () => {} });
		try {
			await expect(intruder`select 1`).rejects.toMatchObject({ code: '28P01' });
		} finally {
			await intruder.end();
		}
	});
});
