import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a local-mode session cookie carries. */
export interface LocalSession {
	sub: string;
	email: string;
	/** Expiry, seconds since the epoch. */
	exp: number;
}

export const SESSION_COOKIE = 'sms_session';
export const SESSION_MAX_AGE = 60 * 60 * 24 * 7;

function mac(payload: string, secret: string): string {
	return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function encodeSession(session: LocalSession, secret: string): string {
	const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
	return `${payload}.${mac(payload, secret)}`;
}

/** Returns the session when the signature matches and it has not expired; otherwise null. */
export function decodeSession(value: string | undefined, secret: string, now = Date.now()): LocalSession | null {
	if (!value) return null;
	const [payload, signature] = value.split('.');
	if (!payload || !signature) return null;
	const expected = Buffer.from(mac(payload, secret));
	const given = Buffer.from(signature);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
	try {
		const session = JSON.parse(Buffer.from(payload, 'base64url').toString()) as LocalSession;
		if (typeof session.sub !== 'string' || typeof session.email !== 'string') return null;
		if (typeof session.exp !== 'number' || session.exp * 1000 < now) return null;
		return session;
	} catch {
		return null;
	}
}
