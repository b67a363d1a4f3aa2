import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
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

	test('a forged, altered, truncated or guessed cookie signs nobody in', async () => {
		const victimEmail = uniqueEmail('auth-victim');
		await signIn(victimEmail);
		const victim = await userId(sql, victimEmail);
		const { cookie } = await signIn(uniqueEmail('auth-attacker'));
		const genuine = cookie.slice('sms_session='.length);
		expect(await whoIs(genuine)).toBe('signed in');
		// What the database keeps (a SHA-256 of the victim's token) is not a cookie either.
		const [{ hash }] = await sql<{ hash: string }[]>`
			select encode(id_hash, 'base64') as hash from public.app_sessions where user_id = ${victim} limit 1`;
		const flip = (v: string) => `${v.slice(0, -1)}${v.endsWith('A') ? 'B' : 'A'}`;
		const forgeries: Record<string, string> = {
			'a byte flipped': flip(genuine),
			'truncated': genuine.slice(0, -2),
			'extended': `${genuine}A`,
			'the stored hash of the victim’s session': hash.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'),
			'the old signed-cookie format, naming the victim': `${b64({ sub: victim, email: victimEmail, exp: 9_999_999_999 })}.${createHmac('sha256', 'change-me-to-at-least-32-random-characters').update('x').digest('base64url')}`,
			'random': randomBytes(32).toString('base64url'),
			'garbage': 'not-a-session'
		};
		for (const [name, value] of Object.entries(forgeries)) {
			expect({ name, result: await whoIs(value) }).toEqual({ name, result: 'signed out' });
		}
	});

	test('after signing out, a copy of the old cookie signs nobody in', async () => {
		const { cookie } = await signIn(uniqueEmail('auth-revoke'));
		const value = cookie.slice('sms_session='.length);
		expect(await whoIs(value)).toBe('signed in');
		const out = await fetch(`${e2e.baseUrl}/logout`, {
			method: 'POST',
			headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: '',
			redirect: 'manual'
		});
		expect(out.status).toBe(303);
		expect(await whoIs(value)).toBe('signed out');
	});

	test('"sign out everywhere" ends every session of the account, and only that account’s', async () => {
		const email = uniqueEmail('auth-everywhere');
		const laptop = (await signIn(email)).cookie;
		const phone = (await signIn(email)).cookie;
		const someoneElse = (await signIn(uniqueEmail('auth-bystander'))).cookie;
		const out = await fetch(`${e2e.baseUrl}/logout`, {
			method: 'POST',
			headers: { cookie: laptop, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: 'scope=everywhere',
			redirect: 'manual'
		});
		expect(out.status).toBe(303);
		expect(out.headers.get('location')).toBe('/login?signedOutEverywhere');
		for (const c of [laptop, phone]) expect(await whoIs(c.slice('sms_session='.length))).toBe('signed out');
		expect(await whoIs(someoneElse.slice('sms_session='.length))).toBe('signed in');
	});

	test('signing in again gives a new session id and ends the one the browser carried', async () => {
		const email = uniqueEmail('auth-rotate');
		const first = (await signIn(email)).cookie;
		const res = await fetch(`${e2e.baseUrl}/login?/local`, {
			method: 'POST',
			headers: { cookie: first, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: new URLSearchParams({ email, redirectTo: '/history' }),
			redirect: 'manual'
		});
		const second = res.headers.getSetCookie().find((c) => c.startsWith('sms_session='))!.split(';')[0];
		expect(second).not.toBe(first);
		expect(await whoIs(first.slice('sms_session='.length))).toBe('signed out');
		expect(await whoIs(second.slice('sms_session='.length))).toBe('signed in');
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
		'https:/\\evil.example',
		'/.//evil.example',
		'/..//evil.example',
		'/%2e//evil.example',
		'/%2E%2E//evil.example/x'
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
