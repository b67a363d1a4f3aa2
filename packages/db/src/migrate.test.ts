import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';
import { listMigrations, migrate } from './migrate.ts';
import { migrationsDir } from './paths.ts';
import { createDb } from './client.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

describe('migration runner', () => {
	it('records every migration file in schema_migrations, like the Supabase CLI', async () => {
		const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
		const rows = await t.sql<{ version: string; name: string }[]>`
			select version, name from supabase_migrations.schema_migrations order by version`;
		expect(rows.map((r) => `${r.version}_${r.name}.sql`)).toEqual(files);
	});

	it('is a no-op when run again', async () => {
		const before = await t.sql`select count(*)::int as n from supabase_migrations.schema_migrations`;
		const result = await migrate(t.sql);
		expect(result.applied).toEqual([]);
		expect(result.compatApplied).toBe(false);
		expect(result.skipped.length).toBe((await listMigrations()).length);
		const after = await t.sql`select count(*)::int as n from supabase_migrations.schema_migrations`;
		expect(after[0].n).toBe(before[0].n);
	});

	it('lets two runners start at once without conflict', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'mig-'));
		await writeFile(path.join(dir, '20990101000000_create_widgets.sql'), 'create table widgets (id int primary key);');
		await writeFile(path.join(dir, '20990101000100_add_widget_name.sql'), 'alter table widgets add column name text;');
		const a = createDb({ url: t.url, max: 2 });
		const b = createDb({ url: t.url, max: 2 });
		try {
			const [ra, rb] = await Promise.all([migrate(a.sql, { dir }), migrate(b.sql, { dir })]);
			expect([...ra.applied, ...rb.applied].sort()).toEqual(['20990101000000', '20990101000100']);
			const cols = await t.sql`select column_name from information_schema.columns where table_name = 'widgets' order by 1`;
			expect(cols.map((c) => c.column_name)).toEqual(['id', 'name']);
		} finally {
			await a.end();
			await b.end();
		}
	});

	it('rolls back a failing migration whole and names the file', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'mig-'));
		await writeFile(path.join(dir, '20990202000000_create_broken.sql'), 'create table broken (id int); select 1/0;');
		await expect(migrate(t.sql, { dir })).rejects.toThrow(/20990202000000_create_broken\.sql/);
		const exists = await t.sql`select to_regclass('public.broken') as r`;
		expect(exists[0].r).toBeNull();
		const recorded = await t.sql`select 1 from supabase_migrations.schema_migrations where version = '20990202000000'`;
		expect(recorded.length).toBe(0);
	});

	it('rejects a file that is not named <timestamp>_<name>.sql', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'mig-'));
		await writeFile(path.join(dir, 'init.sql'), 'select 1;');
		await expect(listMigrations(dir)).rejects.toThrow(/must be named/);
	});
});

describe('request context', () => {
	it('asUser runs as authenticated with the claims PostgREST would set', async () => {
		const sub = '00000000-0000-4000-8000-000000000001';
		const [row] = await t.db.asUser({ sub, email: 'a@example.com' }, (tx) =>
			tx`select current_user as role, auth.uid() as uid, auth.role() as jwt_role, auth.email() as email`
		);
		expect(row).toEqual({ role: 'authenticated', uid: sub, jwt_role: 'authenticated', email: 'a@example.com' });
	});

	it('asAnon and asService switch role, and nothing leaks past the transaction', async () => {
		const [anon] = await t.db.asAnon((tx) => tx`select current_user as role, auth.uid() as uid`);
		expect(anon).toEqual({ role: 'anon', uid: null });
		const [service] = await t.db.asService((tx) => tx`select current_user as role`);
		expect(service.role).toBe('service_role');
		const [after] = await t.sql`select current_user as role, current_setting('request.jwt.claims', true) as claims`;
		expect(after.role).toBe('postgres');
		expect(after.claims ?? '').toBe('');
	});
});

describe('request context pipelining', () => {
	it("runs the caller's first query under the user's role even when it is issued at once", async () => {
		const sub = '00000000-0000-4000-8000-000000000002';
		// No await before the query: it is pipelined right behind the role switch.
		const rows = await t.db.asUser({ sub }, (tx) => tx`select current_user as role, auth.uid() as uid`);
		expect(rows[0]).toEqual({ role: 'authenticated', uid: sub });
	});

});
