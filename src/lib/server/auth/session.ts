import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@sms/db';

/**
 * Local-mode sessions, kept server-side (public.app_sessions). The cookie carries a random
 * 256-bit token; the database keeps only its SHA-256, so sessions can be revoked (sign-out,
 * "sign out everywhere"), expire when idle, and a stolen copy of the table signs nobody in.
 */
export const SESSION_COOKIE = 'sms_session';
/** Absolute lifetime of a session, seconds. */
export const SESSION_MAX_AGE = 60 * 60 * 24 * 7;
/** A session not used for this long ends (default; SESSION_IDLE_MINUTES overrides). */
export const SESSION_IDLE_SECONDS = 60 * 60 * 8;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionIdentity {
	sub: string;
	email: string;
}

function hash(token: string): Buffer {
	return createHash('sha256').update(token).digest();
}

/**
 * Starts a session for a user who just signed in and returns the cookie value. A session the
 * browser already carried is ended first: the id always changes at sign-in (no fixation).
 */
export async function startSession(
	db: Db,
	options: { userId: string; previous?: string; userAgent?: string | null; ip?: string | null; now?: Date; maxAgeSeconds?: number }
): Promise<string> {
	const now = options.now ?? new Date();
	const token = randomBytes(32).toString('base64url');
	const expires = new Date(now.getTime() + (options.maxAgeSeconds ?? SESSION_MAX_AGE) * 1000);
	await db.asService(async (tx) => {
		if (options.previous && TOKEN.test(options.previous)) await tx`select public.revoke_app_session(${hash(options.previous)})`;
		await tx`select public.create_app_session(${options.userId}, ${hash(token)}, ${expires}, ${options.userAgent ?? null},
		                                         ${options.ip ?? null}::inet, ${now})`;
	});
	return token;
}

/** Who the cookie signs in, or null: unknown, revoked, expired or idle for too long. */
export async function resolveSession(
	db: Db,
	token: string | undefined,
	options: { idleSeconds?: number; now?: Date } = {}
): Promise<SessionIdentity | null> {
	if (!token || !TOKEN.test(token)) return null;
	const rows = await db.asService(
		(tx) => tx<{ user_id: string; email: string | null }[]>`
			select user_id, email from public.touch_app_session(${hash(token)}, ${options.idleSeconds ?? SESSION_IDLE_SECONDS},
			                                                   ${options.now ?? new Date()})`
	);
	const row = rows[0];
	return row ? { sub: row.user_id, email: row.email ?? '' } : null;
}

/** Sign-out: this session ends now, whoever holds a copy of the cookie. */
export async function endSession(db: Db, token: string | undefined): Promise<boolean> {
	if (!token || !TOKEN.test(token)) return false;
	const [{ ended }] = await db.asService((tx) => tx<{ ended: boolean }[]>`select public.revoke_app_session(${hash(token)}) as ended`);
	return ended;
}

/** "Sign out everywhere": every session of the user ends. Returns how many did. */
export async function endAllSessions(db: Db, userId: string): Promise<number> {
	const [{ n }] = await db.asService((tx) => tx<{ n: number }[]>`select public.revoke_user_app_sessions(${userId}) as n`);
	return n;
}
