import { expect, test } from '@playwright/test';
import { sessionCookie } from './support/auth.ts';
import { connect, userId, type Sql } from './support/db.ts';
import { e2e, uniqueEmail } from './support/env.ts';

/**
 * Security review: cross-site requests against the production build. SvelteKit's own CSRF check
 * is off (Twilio posts without an Origin), so hooks.server.ts must refuse every cross-site
 * state-changing request itself. Plain HTTP with a real session cookie: a browser adds more
 * protection (SameSite=Lax), but a sibling origin on the same site gets the cookie too.
 */
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

const signIn = sessionCookie;

const FORM_ACTIONS = [
	'/login?/local',
	'/login?/sendCode',
	'/login?/verifyCode',
	'/logout',
	'/settings/sms?/sendCode',
	'/settings/sms?/verify',
	'/settings/sms?/savePreferences',
	'/settings/sms?/optOut',
	'/settings/sms?/optIn',
	'/settings/sms?/sendTest'
];

const FIELDS = {
	email: 'victim@example.com',
	phone: '+14155550100',
	country: 'US',
	code: '123456',
	timeZone: 'UTC',
	dailyLimit: '50',
	redirectTo: '/'
};

function body(type: 'urlencoded' | 'multipart' | 'text'): { contentType?: string; body: string | FormData } {
	if (type === 'urlencoded') return { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(FIELDS).toString() };
	if (type === 'text') return { contentType: 'text/plain', body: Object.entries(FIELDS).map(([k, v]) => `${k}=${v}`).join('\n') };
	const form = new FormData();
	for (const [k, v] of Object.entries(FIELDS)) form.set(k, v);
	return { body: form };
}

/** Who the request claims to come from. */
const SENDERS: { name: string; headers: Record<string, string> }[] = [
	{ name: 'another site', headers: { origin: 'https://evil.example' } },
	{ name: 'a sibling origin (other port)', headers: { origin: 'http://127.0.0.1:1' } },
	{ name: 'an opaque origin (sandboxed frame, data: URL)', headers: { origin: 'null' } },
	{ name: 'no Origin at all', headers: {} },
	{ name: 'no Origin, but a same-origin Referer', headers: { referer: `${e2e.baseUrl}/settings/sms` } },
	{ name: 'no Origin, and a foreign Referer', headers: { referer: 'https://evil.example/page' } }
];

test('every form action refuses a cross-site form POST (any form encoding, any missing or foreign Origin), and nothing changes', async () => {
	const email = uniqueEmail('csrf-actions');
	const cookie = await signIn(email);
	const id = await userId(sql, email);
	const refusedWith: number[] = [];
	for (const action of FORM_ACTIONS) {
		for (const type of ['urlencoded', 'multipart', 'text'] as const) {
			for (const sender of SENDERS) {
				const b = body(type);
				const res = await fetch(`${e2e.baseUrl}${action}`, {
					method: 'POST',
					headers: { cookie, accept: 'text/html', ...(b.contentType ? { 'content-type': b.contentType } : {}), ...sender.headers },
					body: b.body,
					redirect: 'manual'
				});
				expect({ action, type, sender: sender.name, status: res.status }).toEqual({ action, type, sender: sender.name, status: 403 });
				// A refusal must not sign the victim out, in or as someone else.
				expect(res.headers.getSetCookie()).toEqual([]);
				refusedWith.push(res.status);
			}
		}
	}
	expect(refusedWith.length).toBe(FORM_ACTIONS.length * 3 * SENDERS.length);

	// Still signed in as themselves, not opted out, no preferences written, no code, no test text.
	const me = await fetch(`${e2e.baseUrl}/api/sms/messages`, { headers: { cookie } });
	expect(me.status).toBe(200);
	const [prefs] = await sql`select 1 from public.user_sms_preferences where user_id = ${id}`;
	expect(prefs).toBeUndefined();
	const [{ n }] = await sql<{ n: number }[]>`
		select (select count(*) from public.phone_verifications where user_id = ${id})
		     + (select count(*) from public.sms_messages where user_id = ${id}) as n`;
	expect(Number(n)).toBe(0);
	const [victim] = await sql`select 1 from auth.users where email = ${FIELDS.email}`;
	expect(victim).toBeUndefined();
});

test('the same form POST from the same origin is accepted (the check is not a blanket refusal)', async () => {
	const email = uniqueEmail('csrf-same-origin');
	const cookie = await signIn(email);
	const id = await userId(sql, email);
	const res = await fetch(`${e2e.baseUrl}/settings/sms?/optOut`, {
		method: 'POST',
		headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-sveltekit-action': 'true' },
		body: '',
		redirect: 'manual'
	});
	expect(res.status).toBe(200);
	const [row] = await sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${id}`;
	expect(row.opted_out).toBe(true);
});

test.describe('the JSON API', () => {
	const endpoints = [
		{ path: '/api/sms/verify', json: { phoneNumber: '+14155550111' } },
		{ path: '/api/sms/verify/confirm', json: { phoneNumber: '+14155550111', code: '123456' } }
	];

	test('refuses a cross-site POST whatever its content type — JSON, text/plain, or none at all (a no-cors fetch of a Blob)', async () => {
		const email = uniqueEmail('csrf-json');
		const cookie = await signIn(email);
		const id = await userId(sql, email);
		for (const { path, json } of endpoints) {
			const text = JSON.stringify(json);
			const variants: { name: string; headers: Record<string, string>; body: string | Blob }[] = [
				{ name: 'application/json', headers: { 'content-type': 'application/json' }, body: text },
				{ name: 'text/plain', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: text },
				{ name: 'no content type', headers: {}, body: new Blob([text]) }
			];
			for (const v of variants) {
				for (const origin of ['https://evil.example', 'null']) {
					const res = await fetch(`${e2e.baseUrl}${path}`, {
						method: 'POST',
						headers: { cookie, origin, ...v.headers },
						body: v.body
					});
					expect({ path, variant: v.name, origin, status: res.status }).toEqual({ path, variant: v.name, origin, status: 403 });
				}
			}
		}
		const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from public.phone_verifications where user_id = ${id}`;
		expect(n).toBe(0);
	});

	test('accepts only application/json bodies, even from the same origin (415 otherwise), and sends no code', async () => {
		const email = uniqueEmail('csrf-json-type');
		const cookie = await signIn(email);
		const id = await userId(sql, email);
		for (const { path, json } of endpoints) {
			for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}] as Record<string, string>[]) {
				const res = await fetch(`${e2e.baseUrl}${path}`, {
					method: 'POST',
					headers: { cookie, origin: e2e.baseUrl, ...headers },
					body: new Blob([JSON.stringify(json)])
				});
				expect({ path, headers, status: res.status }).toEqual({ path, headers, status: 415 });
				expect((await res.json()).success).toBe(false);
			}
		}
		const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from public.phone_verifications where user_id = ${id}`;
		expect(n).toBe(0);
	});

	test('a same-origin JSON request still works', async () => {
		const email = uniqueEmail('csrf-json-ok');
		const cookie = await signIn(email);
		const res = await fetch(`${e2e.baseUrl}/api/sms/verify/confirm`, {
			method: 'POST',
			headers: { cookie, origin: e2e.baseUrl, 'content-type': 'application/json' },
			body: JSON.stringify({ phoneNumber: '+14155550112', code: '123456' })
		});
		// No code was ever sent to that number: a business answer, not a CSRF refusal.
		expect(res.status).not.toBe(403);
		expect(res.status).not.toBe(415);
		expect((await res.json()).success).toBe(false);
	});
});

test.describe('clickjacking', () => {
	test('the cross-site refusal itself (403) carries the anti-framing headers too', async () => {
		const cookie = await signIn(uniqueEmail('csrf-refusal-headers'));
		for (const path of ['/settings/sms?/optOut', '/api/sms/verify']) {
			const res = await fetch(`${e2e.baseUrl}${path}`, {
				method: 'POST',
				headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
				body: 'x=1',
				redirect: 'manual'
			});
			expect(res.status).toBe(403);
			expect({ path, xfo: res.headers.get('x-frame-options') }).toEqual({ path, xfo: 'DENY' });
			expect(res.headers.get('content-security-policy') ?? '').toMatch(/frame-ancestors\s+'none'/);
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
			expect(await res.text()).toMatch(/cross-site/i);
		}
	});


	test('pages cannot be framed by another site (a framed "Opt out" or "Send me a test text" could be clicked blind)', async () => {
		const email = uniqueEmail('csrf-frame');
		const cookie = await signIn(email);
		for (const path of ['/', '/login', '/settings/sms', '/history']) {
			const res = await fetch(`${e2e.baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
			expect(res.status).toBeLessThan(400);
			const xfo = res.headers.get('x-frame-options')?.toUpperCase();
			const csp = res.headers.get('content-security-policy') ?? '';
			expect({ path, framing: xfo === 'DENY' || /frame-ancestors\s+'none'/.test(csp) }).toEqual({ path, framing: true });
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		}
	});

	test('a real browser refuses to render the settings page inside another site’s frame', async ({ page, context }) => {
		const email = uniqueEmail('csrf-frame-browser');
		const cookie = await signIn(email);
		const [name, value] = cookie.split('=');
		await context.addCookies([{ name, value, url: e2e.baseUrl }]);
		await page.setContent(`<iframe id="f" src="${e2e.baseUrl}/settings/sms" width="800" height="600"></iframe>`);
		const frame = await (await page.waitForSelector('#f')).contentFrame();
		await page.waitForTimeout(1000);
		// A blocked frame stays on Chromium's error page: none of our page's content is there.
		expect(await frame!.locator('text=Opt out').count()).toBe(0);
		expect(frame!.url().startsWith(e2e.baseUrl) && (await frame!.locator('form').count()) > 0).toBe(false);
	});
});
