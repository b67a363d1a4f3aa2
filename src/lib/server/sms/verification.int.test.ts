import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient } from '@sms/twilio-service';
import { confirmPhoneVerification, startPhoneVerification, VerificationError, type VerificationDeps } from './verification.ts';
import { DEFAULT_VERIFICATION_LIMITS, type VerificationLimits } from './rate-limit.ts';
import { openPhone, phoneHash } from '@sms/db/testing';

const ACCOUNT_SID = `AC${'1f'.repeat(16)}`;
const AUTH_TOKEN = 'verification-test-token';
const VERIFY_SID = `VA${'2e'.repeat(16)}`;
const IP = '203.0.113.7';

let database: TestDatabase;
let sandbox: Sandbox;
let twilio: TwilioClient;
let clock: number;
let numberSeq = 0;

/** A fresh valid US number per test, so sandbox and database state never leak between tests. */
function freshNumber(): string {
	numberSeq += 1;
	return `+1415555${String(3000 + numberSeq).padStart(4, '0')}`;
}

function deps(limits: Partial<VerificationLimits> = {}): VerificationDeps {
	return { db: database.db, twilio, now: () => new Date(clock), limits: { ...DEFAULT_VERIFICATION_LIMITS, ...limits } };
}

async function codeFor(to: string): Promise<string> {
	const res = await fetch(`${sandbox.url}/_sandbox/verifications?to=${encodeURIComponent(to)}`);
	expect(res.status).toBe(200);
	return ((await res.json()) as { code: string }).code;
}

async function failure(promise: Promise<unknown>): Promise<VerificationError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(VerificationError);
	return error as VerificationError;
}

async function prefsOf(userId: string) {
	const [row] = await database.sql<{ phone_enc: string | null; phone_hash: string | null; phone_verified: boolean }[]>`
		select phone_enc, phone_hash, phone_verified from public.user_sms_preferences where user_id = ${userId}`;
	if (!row) return null;
	// Stored sealed: the number as it opens, and its hash must be the number's.
	const phone_number = row.phone_enc === null ? null : openPhone(row.phone_enc);
	expect(row.phone_hash).toBe(phone_number === null ? null : phoneHash(phone_number));
	return { phone_number, phone_verified: row.phone_verified };
}

beforeAll(async () => {
	database = await createTestDatabase();
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: VERIFY_SID });
	twilio = new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: VERIFY_SID, baseUrl: sandbox.url });
});

afterAll(async () => {
	await sandbox?.close();
	await database?.close();
});

beforeEach(() => {
	clock = Date.now();
});

describe('phone verification', () => {
	it('sends a code through Twilio Verify and verifies the number with it', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		const started = await startPhoneVerification(deps(), { userId: user, phone: `(415) 555-${phone.slice(-4)}`, country: 'US', ip: IP });
		expect(started.phoneNumber).toBe(phone);
		expect(started.verificationSid).toMatch(/^VE/);
		expect(started.resendAt.getTime()).toBe(clock + 30_000);
		// The number is stored, not yet verified.
		expect(await prefsOf(user)).toEqual({ phone_number: phone, phone_verified: false });

		const confirmed = await confirmPhoneVerification(deps(), { userId: user, phone, country: 'US', code: await codeFor(phone), ip: IP });
		expect(confirmed).toEqual({ phoneNumber: phone, verified: true });
		expect(await prefsOf(user)).toEqual({ phone_number: phone, phone_verified: true });
	});

	it('says what is wrong with an invalid number, before calling Twilio', async () => {
		const user = await createUser(database.sql);
		for (const [input, message] of [
			['', /enter a phone number/i],
			['12', /too short/i],
			['call me', /digits/i]
		] as const) {
			const error = await failure(startPhoneVerification(deps(), { userId: user, phone: input, country: 'US', ip: IP }));
			expect(error.code).toBe('invalid_number');
			expect(error.status).toBe(400);
			expect(error.field).toBe('phone');
			expect(error.message).toMatch(message);
		}
		expect(await prefsOf(user)).toBeNull();
	});

	it('never verifies with a wrong code', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		const right = await codeFor(phone);
		const wrong = right === '000000' ? '111111' : '000000';
		const error = await failure(confirmPhoneVerification(deps(), { userId: user, phone, code: wrong, ip: IP }));
		expect(error.code).toBe('wrong_code');
		expect(error.field).toBe('code');
		expect((await prefsOf(user))?.phone_verified).toBe(false);
		// The right code still works afterwards.
		await confirmPhoneVerification(deps(), { userId: user, phone, code: right, ip: IP });
		expect((await prefsOf(user))?.phone_verified).toBe(true);
	});

	it('refuses a code for a number this account never asked a code for', async () => {
		const owner = await createUser(database.sql);
		const other = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: owner, phone, ip: IP });
		const code = await codeFor(phone);
		const error = await failure(confirmPhoneVerification(deps(), { userId: other, phone, code, ip: IP }));
		expect(error.code).toBe('not_started');
		expect(await prefsOf(other)).toBeNull();
	});

	it('says when a code has expired', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		const code = await codeFor(phone);
		await fetch(`${sandbox.url}/_sandbox/clock`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ advanceMs: 11 * 60_000 })
		});
		try {
			const error = await failure(confirmPhoneVerification(deps(), { userId: user, phone, code, ip: IP }));
			expect(error.code).toBe('expired');
			expect(error.message).toMatch(/expired/);
		} finally {
			await fetch(`${sandbox.url}/_sandbox/clock`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ advanceMs: -11 * 60_000 })
			});
		}
	});

	it('after 5 wrong codes refuses further checks (429), even the right code', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		const right = await codeFor(phone);
		const wrong = right === '999999' ? '888888' : '999999';
		for (let i = 0; i < 5; i++) {
			expect((await failure(confirmPhoneVerification(deps(), { userId: user, phone, code: wrong, ip: IP }))).code).toBe('wrong_code');
		}
		const error = await failure(confirmPhoneVerification(deps(), { userId: user, phone, code: right, ip: IP }));
		expect(error.code).toBe('too_many_attempts');
		expect(error.status).toBe(429);
		expect(error.retryAfterSeconds).toBeGreaterThan(0);
		expect((await prefsOf(user))?.phone_verified).toBe(false);
	});
});

describe('one verified owner per number', () => {
	it('refuses to send a code for a number another account has verified (409)', async () => {
		const owner = await createUser(database.sql);
		const other = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: owner, phone, ip: IP });
		await confirmPhoneVerification(deps(), { userId: owner, phone, code: await codeFor(phone), ip: IP });

		const error = await failure(startPhoneVerification(deps(), { userId: other, phone, ip: IP }));
		expect(error.code).toBe('phone_taken');
		expect(error.status).toBe(409);
		expect(await prefsOf(other)).toBeNull();
	});

	it('refuses to confirm when another account verified the number in the meantime', async () => {
		const first = await createUser(database.sql);
		const second = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: first, phone, ip: IP });
		await startPhoneVerification(deps(), { userId: second, phone, ip: '198.51.100.1' });
		const code = await codeFor(phone);
		await confirmPhoneVerification(deps(), { userId: first, phone, code, ip: IP });
		const error = await failure(confirmPhoneVerification(deps(), { userId: second, phone, code, ip: IP }));
		expect(error.code).toBe('phone_taken');
		expect(await prefsOf(second)).toEqual({ phone_number: phone, phone_verified: false });
		expect(await prefsOf(first)).toEqual({ phone_number: phone, phone_verified: true });
	});

	it('changing the number un-verifies it', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		await confirmPhoneVerification(deps(), { userId: user, phone, code: await codeFor(phone), ip: IP });
		const next = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone: next, ip: IP });
		expect(await prefsOf(user)).toEqual({ phone_number: next, phone_verified: false });
	});

	it('re-verifying the same number keeps it verified while the code is on its way', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		await confirmPhoneVerification(deps(), { userId: user, phone, code: await codeFor(phone), ip: IP });
		clock += 31_000;
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		expect(await prefsOf(user)).toEqual({ phone_number: phone, phone_verified: true });
	});
});

describe('rate limits', () => {
	it('enforces a resend cooldown per account and number, then allows a resend', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		clock += 10_000;
		const error = await failure(startPhoneVerification(deps(), { userId: user, phone, ip: IP }));
		expect(error.code).toBe('rate_limited');
		expect(error.status).toBe(429);
		expect(error.retryAfterSeconds).toBe(20);
		expect(error.message).toMatch(/20 seconds/);
		clock += 21_000;
		await expect(startPhoneVerification(deps(), { userId: user, phone, ip: IP })).resolves.toMatchObject({ phoneNumber: phone });
	});

	it('limits codes per number, whoever asks', async () => {
		const phone = freshNumber();
		const limits = { startsPerNumber: { limit: 2, windowMs: 3_600_000 } };
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: '198.51.100.10' });
		clock += 1_000;
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: '198.51.100.11' });
		clock += 1_000;
		const third = await createUser(database.sql);
		const error = await failure(startPhoneVerification(deps(limits), { userId: third, phone, ip: '198.51.100.12' }));
		expect(error.code).toBe('rate_limited');
		expect(error.message).toMatch(/this number/);
		// The first code leaves the window one hour after it was sent.
		expect(error.retryAfterSeconds).toBe(3600 - 2);
		expect(await prefsOf(third)).toBeNull();
		clock += 3_600_000;
		await expect(startPhoneVerification(deps(limits), { userId: third, phone, ip: '198.51.100.12' })).resolves.toBeDefined();
	});

	it('limits codes per account, over all numbers', async () => {
		const user = await createUser(database.sql);
		const limits = { startsPerUser: { limit: 2, windowMs: 3_600_000 } };
		await startPhoneVerification(deps(limits), { userId: user, phone: freshNumber(), ip: IP });
		await startPhoneVerification(deps(limits), { userId: user, phone: freshNumber(), ip: IP });
		const error = await failure(startPhoneVerification(deps(limits), { userId: user, phone: freshNumber(), ip: IP }));
		expect(error.code).toBe('rate_limited');
		expect(error.message).toMatch(/You have asked for too many codes/);
	});

	it('limits codes per IP address, over all accounts', async () => {
		const ip = '192.0.2.99';
		const limits = { startsPerIp: { limit: 2, windowMs: 3_600_000 } };
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip });
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip });
		const error = await failure(
			startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip })
		);
		expect(error.code).toBe('rate_limited');
		expect(error.message).toMatch(/your network/);
		// Another address is not affected.
		await expect(
			startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip: '192.0.2.100' })
		).resolves.toBeDefined();
	});

	it('does not let concurrent requests slip past a limit', async () => {
		const phone = freshNumber();
		const limits = { startsPerNumber: { limit: 3, windowMs: 3_600_000 } };
		const users = await Promise.all(Array.from({ length: 8 }, () => createUser(database.sql)));
		const results = await Promise.allSettled(
			users.map((userId, i) => startPhoneVerification(deps(limits), { userId, phone, ip: `198.51.100.${50 + i}` }))
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
		for (const r of results) {
			if (r.status === 'rejected') expect((r.reason as VerificationError).code).toBe('rate_limited');
		}
	});

	it('records every attempt for audit, including refusals', async () => {
		const user = await createUser(database.sql);
		const phone = freshNumber();
		await startPhoneVerification(deps(), { userId: user, phone, ip: IP });
		await failure(startPhoneVerification(deps(), { userId: user, phone, ip: IP }));
		await failure(confirmPhoneVerification(deps(), { userId: user, phone, code: '000001', ip: IP })).catch(() => {});
		const rows = await database.sql<{ action: string; outcome: string; ip: string }[]>`
			select action, outcome, host(ip) as ip from public.phone_verifications where user_id = ${user} order by id`;
		expect(rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(['start:sent', 'start:rate_limited', 'check:wrong_code']);
		expect(rows.every((r) => r.ip === IP)).toBe(true);
	});
});
