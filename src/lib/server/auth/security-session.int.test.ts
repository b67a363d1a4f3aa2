/**
 * Local-mode sessions are server-side: revoked on sign-out, all of them on "sign out
 * everywhere", ended when idle or past their lifetime, and a new id at every sign-in.
 * The HTTP-level checks live in tests/e2e/security-auth.spec.ts.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { endAllSessions, endSession, resolveSession, startSession } from './session.ts';

let database: TestDatabase;
const T0 = new Date('2026-12-01T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

beforeAll(async () => {
	database = await createTestDatabase();
});

afterAll(async () => {
	await database?.close();
});

async function user(): Promise<string> {
	return createUser(database.sql, { email: `s-${Math.random().toString(36).slice(2, 8)}@example.com` });
}

describe('server-side sessions', () => {
	it('a session signs its user in until it is ended; the same cookie then signs nobody in', async () => {
		const id = await user();
		const token = await startSession(database.db, { userId: id, now: T0 });
		expect(await resolveSession(database.db, token, { now: at(1) })).toMatchObject({ sub: id });
		expect(await endSession(database.db, token)).toBe(true);
		expect(await resolveSession(database.db, token, { now: at(2) })).toBeNull();
	});

	it('"sign out everywhere" ends every session of that user, and only theirs', async () => {
		const id = await user();
		const other = await user();
		const a = await startSession(database.db, { userId: id, now: T0 });
		const b = await startSession(database.db, { userId: id, now: T0 });
		const theirs = await startSession(database.db, { userId: other, now: T0 });
		expect(await endAllSessions(database.db, id)).toBe(2);
		expect(await resolveSession(database.db, a, { now: at(1) })).toBeNull();
		expect(await resolveSession(database.db, b, { now: at(1) })).toBeNull();
		expect(await resolveSession(database.db, theirs, { now: at(1) })).toMatchObject({ sub: other });
	});

	it('ends after being idle too long; use keeps it alive', async () => {
		const id = await user();
		const token = await startSession(database.db, { userId: id, now: T0 });
		const idleSeconds = 30 * 60;
		expect(await resolveSession(database.db, token, { now: at(20), idleSeconds })).not.toBeNull();
		expect(await resolveSession(database.db, token, { now: at(45), idleSeconds })).not.toBeNull();
		expect(await resolveSession(database.db, token, { now: at(45 + 31), idleSeconds })).toBeNull();
	});

	it('ends at its absolute lifetime, however busy', async () => {
		const id = await user();
		const token = await startSession(database.db, { userId: id, now: T0, maxAgeSeconds: 3600 });
		expect(await resolveSession(database.db, token, { now: at(30) })).not.toBeNull();
		expect(await resolveSession(database.db, token, { now: at(61) })).toBeNull();
	});

	it('signing in again rotates the id: the previous cookie stops working', async () => {
		const id = await user();
		const first = await startSession(database.db, { userId: id, now: T0 });
		const second = await startSession(database.db, { userId: id, previous: first, now: at(1) });
		expect(second).not.toBe(first);
		expect(await resolveSession(database.db, first, { now: at(2) })).toBeNull();
		expect(await resolveSession(database.db, second, { now: at(2) })).toMatchObject({ sub: id });
	});

	it('stores only a hash of the token, and the stored hash is not a cookie', async () => {
		const id = await user();
		const token = await startSession(database.db, { userId: id, now: T0 });
		const rows = await database.sql<{ id_hash: Buffer }[]>`select id_hash from public.app_sessions where user_id = ${id}`;
		expect(rows).toHaveLength(1);
		expect(rows[0].id_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
		const [{ found }] = await database.sql<{ found: number }[]>`
			select count(*)::int as found from public.app_sessions where encode(id_hash, 'escape') like ${'%' + token + '%'}`;
		expect(found).toBe(0);
		expect(await resolveSession(database.db, rows[0].id_hash.toString('base64url'), { now: at(1) })).toBeNull();
	});

	it('refuses malformed and unknown tokens without a database error', async () => {
		for (const value of [undefined, '', 'x', 'a'.repeat(43), '../../etc', 'a.b']) {
			expect(await resolveSession(database.db, value, { now: T0 })).toBeNull();
		}
	});
});
