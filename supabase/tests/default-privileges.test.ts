/**
 * New objects in public are not granted to anon or authenticated by default (nor functions to
 * PUBLIC): a migration that forgets its revoke leaves a closed object, not an open one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
	// As a future migration would, with no grant or revoke of its own.
	await t.sql.unsafe(`
		create table public.forgotten (id bigint generated always as identity primary key, secret text);
		create function public.forgotten_fn() returns int language sql as 'select 1';
	`);
});

afterAll(async () => {
	await t?.close();
});

describe('default privileges in schema public', () => {
	it('a new table is not readable or writable by anon or authenticated', async () => {
		const [row] = await t.sql<Record<string, boolean>[]>`
			select has_table_privilege('anon', 'public.forgotten', 'select, insert, update, delete') as anon,
			       has_table_privilege('authenticated', 'public.forgotten', 'select, insert, update, delete') as authenticated,
			       has_sequence_privilege('anon', 'public.forgotten_id_seq', 'usage, select, update') as anon_seq,
			       has_sequence_privilege('authenticated', 'public.forgotten_id_seq', 'usage, select, update') as authenticated_seq,
			       has_table_privilege('service_role', 'public.forgotten', 'select') as service`;
		expect(row).toEqual({ anon: false, authenticated: false, anon_seq: false, authenticated_seq: false, service: true });
	});

	it('a new function is not executable by anon, authenticated or PUBLIC', async () => {
		const [row] = await t.sql<Record<string, boolean>[]>`
			select has_function_privilege('anon', 'public.forgotten_fn()', 'execute') as anon,
			       has_function_privilege('authenticated', 'public.forgotten_fn()', 'execute') as authenticated,
			       coalesce((select proacl::text ~ '(^|[{,])=X' from pg_proc where proname = 'forgotten_fn'), true) as public_acl`;
		expect(row).toEqual({ anon: false, authenticated: false, public_acl: false });
	});
});
