/** Sessions tables and functions: who may touch them (the web server's service modules only). */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, sqlState, type Person } from './fixtures.ts';

let t: TestDatabase;
let alice: Person;
let bob: Person;

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	bob = await createPerson(t.sql, 'bob');
	for (const p of [alice, bob]) {
		await t.db.asService((tx) => tx`select public.create_app_session(${p.id}, ${randomBytes(32)}, now() + interval '1 day', 'test', null)`);
	}
});

afterAll(async () => {
	await t?.close();
});

describe('app_sessions', () => {
	it('a user sees their own sessions, never the hashed ids, and nobody else’s', async () => {
		const mine = await asPerson(t, alice, (tx) => tx`select user_id, user_agent from public.app_sessions`);
		expect(mine).toEqual([{ user_id: alice.id, user_agent: 'test' }]);
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx`select id_hash from public.app_sessions`))).toBe('42501');
	});

	it('nobody but the service creates, touches or revokes sessions', async () => {
		const hash = randomBytes(32);
		for (const call of [
			(tx: Parameters<Parameters<typeof t.db.asAnon>[0]>[0]) => tx`select public.create_app_session(${alice.id}, ${hash}, now() + interval '1 day')`,
			(tx: Parameters<Parameters<typeof t.db.asAnon>[0]>[0]) => tx`select * from public.touch_app_session(${hash}, 60)`,
			(tx: Parameters<Parameters<typeof t.db.asAnon>[0]>[0]) => tx`select public.revoke_user_app_sessions(${bob.id})`,
			(tx: Parameters<Parameters<typeof t.db.asAnon>[0]>[0]) => tx`select public.auth_session_is_active(gen_random_uuid())`
		]) {
			expect(await sqlState(() => asPerson(t, alice, call))).toBe('42501');
			expect(await sqlState(() => t.db.asAnon(call))).toBe('42501');
		}
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx`update public.app_sessions set revoked_at = null`))).toBe('42501');
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx`insert into public.app_sessions (id_hash, user_id, expires_at) values (${hash}, ${alice.id}, now())`))).toBe('42501');
	});
});

describe('auth_session_is_active (Supabase mode)', () => {
	it('is false without auth.sessions, then follows the rows of auth.sessions', async () => {
		const id = '0b8e3a4c-59a4-4c3e-9f1e-2d7c1b9a0e11';
		const active = async () =>
			t.db.asService(async (tx) => (await tx<{ a: boolean }[]>`select public.auth_session_is_active(${id}::uuid) as a`)[0].a);
		expect(await active()).toBe(false);
		await t.sql`create table auth.sessions (id uuid primary key, user_id uuid, not_after timestamptz)`;
		await t.sql`insert into auth.sessions (id, user_id) values (${id}, ${alice.id})`;
		expect(await active()).toBe(true);
		await t.sql`update auth.sessions set not_after = now() - interval '1 second'`;
		expect(await active()).toBe(false);
		await t.sql`delete from auth.sessions`;
		expect(await active()).toBe(false);
	});
});
