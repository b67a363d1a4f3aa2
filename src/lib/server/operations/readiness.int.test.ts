/**
 * GET /api/health/ready's checks against a real database and the sandbox through the real
 * twilio SDK: each failing part is named, and the provider's answer is cached for a minute.
 */
import { createDb, type Db } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient } from '@sms/twilio-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from './readiness.ts';

const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'readiness-token';

let t: TestDatabase;
let db: Db;
let sandbox: Sandbox;

beforeAll(async () => {
	t = await createTestDatabase();
	db = createDb({ url: t.url, max: 2 });
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, defaultFrom: '+15005550006' });
});
afterAll(async () => {
	await db?.end();
	await sandbox?.close();
	await t?.close();
});

const client = (token: string) => new TwilioClient({ accountSid: ACCOUNT_SID, authToken: token, baseUrl: sandbox.url, timeoutMs: 2000 });

describe('readiness', () => {
	it('names the worker when none has heartbeated, and is ready once one has', async () => {
		const check = createReadiness({ db, checkProvider: () => client(AUTH_TOKEN).checkCredentials() });
		const before = await check();
		expect(before.ok).toBe(false);
		expect(before.failing).toEqual(['worker']);
		expect(before.checks.worker.detail).toMatch(/no worker has heartbeated within 30 s/);

		await t.sql`select public.record_worker_heartbeat('ready-w', '1', 4, 0, 0)`;
		const after = await check();
		expect(after).toMatchObject({ ok: true, failing: [] });
	});

	it('names the provider when the credentials are refused, and asks it at most once a minute', async () => {
		let clock = 1_000_000;
		let calls = 0;
		const bad = client('wrong-token');
		const check = createReadiness({
			db,
			now: () => clock,
			checkProvider: () => {
				calls++;
				return bad.checkCredentials();
			}
		});
		const first = await check();
		expect(first.failing).toEqual(['provider']);
		expect(first.checks.provider.detail).toMatch(/provider refused or unreachable/);
		await Promise.all([check(), check()]);
		expect(calls).toBe(1);
		clock += 61_000;
		await check();
		expect(calls).toBe(2);
	});

	it('names the database when it cannot be reached', async () => {
		const dead = createDb({ url: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
		try {
			const check = createReadiness({ db: dead, checkProvider: () => client(AUTH_TOKEN).checkCredentials(), timeoutMs: 1000 });
			const result = await check();
			expect(result.failing).toEqual(['database', 'worker']);
			expect(result.checks.database.detail).toMatch(/unreachable/);
		} finally {
			await dead.end();
		}
	});
});
