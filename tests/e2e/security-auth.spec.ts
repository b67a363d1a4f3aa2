import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { freePort } from './support/net.ts';
import { expect, test } from '@playwright/test';
import { connect, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail, uniquePhone } from './support/env.ts';

/**
 * Security review of sign-in against the production build: forged session cookies, local
 * sign-in in production, open redirects after sign-in, and secrets that must never reach a page.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

async function signIn(email: string, redirectTo = '/history'): Promise<{ cookie: string; setCookie: string; location: string | null }> {
	const res = await fetch(`${e2e.baseUrl}/login?/local`, {
		method: 'POST',
		headers: { origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body: new URLSearchParams({ email, redirectTo }),
		redirect: 'manual'
	});
	const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('sms_session='));
	if (!setCookie) throw new Error(`sign-in gave no session cookie (${res.status})`);
	return { cookie: setCookie.split(';')[0], setCookie, location: res.headers.get('location') };
}

/** What the server makes of a session cookie value: who, if anyone, it signs in. */
async function whoIs(value: string): Promise<'signed out' | 'signed in'> {
	const cookie = `sms_session=${value}`;
	const api = await fetch(`${e2e.baseUrl}/api/sms/messages`, { headers: { cookie } });
	const page = await fetch(`${e2e.baseUrl}/settings/sms`, { headers: { cookie }, redirect: 'manual' });
	const events = await fetch(`${e2e.baseUrl}/api/sms/events`, { headers: { cookie } });
	await events.body?.cancel();
	if (api.status === 401 && page.status === 303 && events.status === 401) {
		expect(page.headers.get('location')).toMatch(/^\/login\?redirectTo=/);
		return 'signed out';
	}
	expect([api.status, page.status, events.status]).toEqual([200, 200, 200]);
	return 'signed in';
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test.describe('session cookies', () => {
	test('are HttpOnly, SameSite=Lax and site-wide', async () => {
		const { setCookie } = await signIn(uniqueEmail('auth-flags'));
		expect(setCookie).toMatch(/;\s*HttpOnly/i);
		expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
		expect(setCookie).toMatch(/;\s*Path=\/(;|$)/i);
	});

	test('a forged, altered, re-signed or truncated cookie signs nobody in', async () => {
		const victimEmail = uniqueEmail('auth-victim');
		await signIn(victimEmail);
		const victim = await userId(sql, victimEmail);
		const { cookie } = await signIn(uniqueEmail('auth-attacker'));
		const genuine = cookie.slice('sms_session='.length);
		const [payload, signature] = genuine.split('.');
		expect(await whoIs(genuine)).toBe('signed in');

		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; email: string; exp: number };
		const asVictim = b64({ ...claims, sub: victim, email: victimEmail });
		const forgeries: Record<string, string> = {
			'victim payload, attacker signature': `${asVictim}.${signature}`,
			'victim payload, no signature': `${asVictim}.`,
			'victim payload alone': asVictim,
			'signed with a guessed secret': `${asVictim}.${createHmac('sha256', 'change-me-to-at-least-32-random-characters').update(asVictim).digest('base64url')}`,
			'signed with an empty secret': `${asVictim}.${createHmac('sha256', '').update(asVictim).digest('base64url')}`,
			'longer expiry, old signature': `${b64({ ...claims, exp: claims.exp + 10 * 365 * 86400 })}.${signature}`,
			'signature truncated': `${payload}.${signature.slice(0, -2)}`,
			'signature with a byte flipped': `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
			'signature as hex': `${payload}.${Buffer.from(signature, 'base64url').toString('hex')}`,
			'three parts': `${asVictim}.${signature}.${signature}`,
			'garbage': 'not-a-session'
		};
		for (const [name, value] of Object.entries(forgeries)) {
			expect({ name, result: await whoIs(value) }).toEqual({ name, result: 'signed out' });
		}
	});

	test('signing out is a POST that clears the cookie; a GET to /logout signs nobody out', async () => {
		const { cookie } = await signIn(uniqueEmail('auth-logout'));
		const get = await fetch(`${e2e.baseUrl}/logout`, { headers: { cookie }, redirect: 'manual' });
		expect(get.status).toBeLessThan(400);
		expect(get.headers.getSetCookie()).toEqual([]);
		expect((await fetch(`${e2e.baseUrl}/api/sms/messages`, { headers: { cookie } })).status).toBe(200);
		const out = await fetch(`${e2e.baseUrl}/logout`, {
			method: 'POST',
			headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: '',
			redirect: 'manual'
		});
		expect(out.status).toBe(303);
		expect(out.headers.getSetCookie().some((c) => /^sms_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
	});
});

test.describe('redirect after sign-in', () => {
	const hostile = [
		'//evil.example',
		'//evil.example/%2e%2e',
		'https://evil.example',
		'http:evil.example',
		'/\\evil.example',
		'\\\\evil.example',
		'/\t/evil.example',
		'/%0a/evil.example',
		'javascript:alert(1)',
		'data:text/html,hi',
		' //evil.example',
		'/login?redirectTo=//evil.example',
		'https:/\\evil.example'
	];

	test('never leaves the site, whatever redirectTo says (form field and query string)', async () => {
		for (const target of hostile) {
			const { location } = await signIn(uniqueEmail('redirect'), target);
			expect(location, target).not.toBeNull();
			const resolved = new URL(location!, e2e.baseUrl);
			expect({ target, origin: resolved.origin }).toEqual({ target, origin: new URL(e2e.baseUrl).origin });
			expect(location!.startsWith('//')).toBe(false);
			expect(location!.includes('\\')).toBe(false);
		}
		const { cookie } = await signIn(uniqueEmail('redirect-query'));
		for (const target of hostile) {
			const res = await fetch(`${e2e.baseUrl}/login?redirectTo=${encodeURIComponent(target)}`, { headers: { cookie }, redirect: 'manual' });
			expect(res.status).toBe(303);
			const location = res.headers.get('location')!;
			expect({ target, origin: new URL(location, e2e.baseUrl).origin }).toEqual({ target, origin: new URL(e2e.baseUrl).origin });
		}
	});

	test('still goes to a same-site path that was asked for', async () => {
		const { location } = await signIn(uniqueEmail('redirect-ok'), '/history?verdict=failed');
		expect(location).toBe('/history?verdict=failed');
	});
});

test.describe('local sign-in in production', () => {

	function baseEnv(port: number): NodeJS.ProcessEnv {
		return {
			PATH: process.env.PATH,
			HOST: '127.0.0.1',
			PORT: String(port),
			NODE_ENV: 'production',
			DATABASE_URL: e2e.databaseUrl,
			PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
			// adapter-node assumes https without ORIGIN, and the Origin check would (rightly) refuse.
			ORIGIN: `http://127.0.0.1:${port}`,
			TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1',
			TWILIO_AUTH_TOKEN: e2e.authToken,
			TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1',
			SESSION_SECRET: 'production-test-session-secret-0123456789',
			LOG_LEVEL: 'warn'
		};
	}

	/** Starts the build; resolves when it answers /api/health, or with its exit and output. */
	async function start(env: NodeJS.ProcessEnv): Promise<{ url: string; exit: number | null; output: string; stop: () => void }> {
		const url = `http://127.0.0.1:${env.PORT}`;
		const child = spawn(process.execPath, ['build/index.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (c: Buffer) => (output += c.toString()));
		child.stderr.on('data', (c: Buffer) => (output += c.toString()));
		let exit: number | null = null;
		const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exit = code ?? -1), resolve())));
		const stop = () => {
			if (child.exitCode === null) child.kill('SIGKILL');
		};
		for (let i = 0; i < 100 && exit === null; i++) {
			try {
				if ((await fetch(`${url}/api/health`)).ok) return { url, exit, output, stop };
			} catch {
				// not listening yet
			}
			await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
		}
		return { url, exit, output, stop };
	}

	test('is refused: NODE_ENV=production without ALLOW_LOCAL_AUTH_IN_PRODUCTION does not start, and says why', async () => {
		const server = await start(baseEnv(await freePort()));
		try {
			// Either it refuses to start, or (if the hooks load lazily) every request fails: no session either way.
			if (server.exit === null) {
				const res = await fetch(`${server.url}/login?/local`, {
					method: 'POST',
					headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
					body: new URLSearchParams({ email: 'intruder@example.com' }),
					redirect: 'manual'
				});
				expect(res.headers.getSetCookie().some((c) => c.startsWith('sms_session='))).toBe(false);
			}
			expect(server.output).toContain('ALLOW_LOCAL_AUTH_IN_PRODUCTION');
		} finally {
			server.stop();
		}
		const [row] = await sql`select 1 from auth.users where email = 'intruder@example.com'`;
		expect(row).toBeUndefined();
	});

	test('is refused on a non-loopback HOST even outside production, and says why', async () => {
		const env = { ...baseEnv(await freePort()), NODE_ENV: 'development', HOST: '0.0.0.0' };
		const server = await start(env);
		try {
			expect(server.exit).not.toBeNull();
			expect(server.output).toContain('only listens on loopback');
		} finally {
			server.stop();
		}
	});

	test('in Supabase mode the local sign-in action sets no session, even when posted directly', async () => {
		const env = {
			...baseEnv(await freePort()),
			PUBLIC_SUPABASE_URL: 'http://127.0.0.1:9',
			PUBLIC_SUPABASE_ANON_KEY: 'not-a-real-key'
		};
		const server = await start(env);
		try {
			expect(server.exit, server.output).toBeNull();
			const res = await fetch(`${server.url}/login?/local`, {
				method: 'POST',
				headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
				body: new URLSearchParams({ email: 'intruder2@example.com' }),
				redirect: 'manual'
			});
			expect(res.status).toBe(400);
			expect(res.headers.getSetCookie().some((c) => c.startsWith('sms_session='))).toBe(false);
		} finally {
			server.stop();
		}
		const [row] = await sql`select 1 from auth.users where email = 'intruder2@example.com'`;
		expect(row).toBeUndefined();
	});
});

test.describe('secrets never reach a page', () => {
	test('no page or JSON answer carries the Twilio auth token, the verification code or the session value', async () => {
		const email = uniqueEmail('secrets');
		const { cookie } = await signIn(email);
		const phone = uniquePhone();
		const sendCode = await fetch(`${e2e.baseUrl}/settings/sms?/sendCode`, {
			method: 'POST',
			headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: new URLSearchParams({ country: 'US', phone }),
			redirect: 'manual'
		});
		expect(sendCode.status).toBe(200);
		const actionHtml = await sendCode.text();
		const verification = await fetch(`${e2e.sandboxUrl}/_sandbox/verifications?to=${encodeURIComponent(phone)}`);
		const { code } = (await verification.json()) as { code: string };
		expect(code).toMatch(/^\d{4,10}$/);

		const apiPhone = uniquePhone();
		const api = await fetch(`${e2e.baseUrl}/api/sms/verify`, {
			method: 'POST',
			headers: { cookie, 'content-type': 'application/json' },
			body: JSON.stringify({ phoneNumber: apiPhone })
		});
		expect(api.status).toBe(200);
		const apiText = await api.text();
		const apiCode = ((await (await fetch(`${e2e.sandboxUrl}/_sandbox/verifications?to=${encodeURIComponent(apiPhone)}`)).json()) as { code: string }).code;

		const pages: Record<string, string> = { 'sendCode action': actionHtml, 'POST /api/sms/verify': apiText };
		for (const path of ['/', '/login', '/settings/sms', '/history', '/api/sms/messages', '/api/health']) {
			const res = await fetch(`${e2e.baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
			pages[path] = await res.text();
		}
		const session = cookie.slice('sms_session='.length);
		for (const [name, body] of Object.entries(pages)) {
			expect({ name, token: body.includes(e2e.authToken) }).toEqual({ name, token: false });
			expect({ name, code: new RegExp(`\\b${code}\\b`).test(body) }).toEqual({ name, code: false });
			expect({ name, apiCode: new RegExp(`\\b${apiCode}\\b`).test(body) }).toEqual({ name, apiCode: false });
			expect({ name, session: body.includes(session) }).toEqual({ name, session: false });
			expect({ name, secret: /SESSION_SECRET|TWILIO_AUTH_TOKEN=/.test(body) }).toEqual({ name, secret: false });
		}
	});
});
