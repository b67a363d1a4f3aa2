/**
 * Security review: the local-mode session cookie. The HTTP-level forgeries live in
 * tests/e2e/security-auth.spec.ts; this covers what needs the secret (expiry, claim types).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeSession, encodeSession } from './session.ts';

const SECRET = 'session-test-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 10, 22, 12);
const exp = (offsetSeconds: number) => Math.floor(NOW / 1000) + offsetSeconds;

function sign(payload: unknown, secret = SECRET): string {
	const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
	return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('decodeSession', () => {
	it('accepts its own cookie until it expires, and not a second after', () => {
		const value = encodeSession({ sub: 'u1', email: 'a@example.com', exp: exp(60) }, SECRET);
		expect(decodeSession(value, SECRET, NOW)?.sub).toBe('u1');
		expect(decodeSession(value, SECRET, NOW + 61_000)).toBeNull();
	});

	it('refuses a cookie signed with another secret, or with none', () => {
		const session = { sub: 'u1', email: 'a@example.com', exp: exp(60) };
		expect(decodeSession(sign(session, 'another-secret-0123456789abcdefghij'), SECRET, NOW)).toBeNull();
		expect(decodeSession(sign(session, ''), SECRET, NOW)).toBeNull();
		expect(decodeSession(encodeSession(session, SECRET), 'x'.repeat(32), NOW)).toBeNull();
	});

	it('refuses correctly signed payloads with missing or mistyped claims (no expiry means no session)', () => {
		const bad: unknown[] = [
			{ sub: 'u1', email: 'a@example.com' },
			{ sub: 'u1', email: 'a@example.com', exp: '9999999999' },
			{ sub: 1, email: 'a@example.com', exp: exp(60) },
			{ sub: 'u1', exp: exp(60) },
			{ sub: ['u1'], email: 'a@example.com', exp: exp(60) },
			null,
			'u1',
			[]
		];
		for (const payload of bad) expect({ payload, session: decodeSession(sign(payload), SECRET, NOW) }).toEqual({ payload, session: null });
	});

	it('refuses values that are not base64url JSON even when the MAC over them matches', () => {
		const body = '%%%not-base64%%%';
		const value = `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
		expect(decodeSession(value, SECRET, NOW)).toBeNull();
		expect(decodeSession('', SECRET, NOW)).toBeNull();
		expect(decodeSession(undefined, SECRET, NOW)).toBeNull();
	});
});
