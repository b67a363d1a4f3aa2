import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient } from '@sms/twilio-service';
import { confirmPhoneVerification, startPhoneVerification, VerificationError, type VerificationDeps } from './verification.ts';
import { DEFAULT_VERIFICATION_LIMITS, type VerificationLimits } from './rate-limit.ts';

/**
 * The weaknesses an outside test found in phone verification: enumeration through the 409,
 * SMS pumping, a raceable per-IP limit, and strangers locking an owner out.
 */
const ACCOUNT_SID = `AC${'3a'.repeat(16)}`;
const AUTH_TOKEN = 'verification-abuse-token';
const VERIFY_SID = `VA${'4b'.repeat(16)}`;
const HOUR = 3_600_000;

let database: TestDatabase;
let sandbox: Sandbox;
let twilio: TwilioClient;
let clock: number;
let seq = 0;

function freshNumber(): string {
	seq += 1;
	return `+1415555${String(5000 + seq).padStart(4, '0')}`;
}

function deps(limits: Partial<VerificationLimits> = {}, extra: Partial<VerificationDeps> = {}): VerificationDeps {
	return {
		db: database.db,
		twilio,
		now: () => new Date(clock),
		limits: { ...DEFAULT_VERIFICATION_LIMITS, ...limits },
		allowedCountries: ['US', 'GB'],
		...extra
	};
}

async function codeFor(to: string): Promise<string> {
	const res = await fetch(`${sandbox.url}/_sandbox/verifications?to=${encodeURIComponent(to)}`);
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

async function advanceSandbox(ms: number): Promise<void> {
	await fetch(`${sandbox.url}/_sandbox/clock`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ advanceMs: ms })
	});
}

async function codesSentTo(to: string): Promise<number> {
	const res = await fetch(`${sandbox.url}/_sandbox/verifications?to=${encodeURIComponent(to)}`);
	return res.status === 200 ? 1 : 0;
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

beforeEach(async () => {
	clock = Date.now();
	// Tests that count per country or globally start from an empty log.
	await database.sql`delete from public.phone_verifications`;
	await database.sql`delete from public.security_alerts`;
});

async function verifiedOwner(phone: string): Promise<string> {
	const owner = await createUser(database.sql);
	await startPhoneVerification(deps(), { userId: owner, phone, ip: '198.51.100.200' });
	await confirmPhoneVerification(deps(), { userId: owner, phone, code: await codeFor(phone), ip: '198.51.100.200' });
	return owner;
}

describe('phone-number enumeration', () => {
	it('an account out of codes learns nothing about other numbers: "taken" comes only after the limits', async () => {
		const taken = freshNumber();
		await verifiedOwner(taken);
		const attacker = await createUser(database.sql);
		const limits = { startsPerUser: { limit: 2, windowMs: HOUR } };
		await startPhoneVerification(deps(limits), { userId: attacker, phone: freshNumber(), ip: '192.0.2.1' });
		await startPhoneVerification(deps(limits), { userId: attacker, phone: freshNumber(), ip: '192.0.2.1' });
		const error = await failure(startPhoneVerification(deps(limits), { userId: attacker, phone: taken, ip: '192.0.2.1' }));
		expect(error.code).toBe('rate_limited');
	});

	it('each "number already taken" answer counts against the same limits', async () => {
		const taken = [freshNumber(), freshNumber(), freshNumber()];
		for (const phone of taken) await verifiedOwner(phone);
		const attacker = await createUser(database.sql);
		const limits = { startsPerUser: { limit: 2, windowMs: HOUR } };
		expect((await failure(startPhoneVerification(deps(limits), { userId: attacker, phone: taken[0], ip: '192.0.2.2' }))).code).toBe('phone_taken');
		expect((await failure(startPhoneVerification(deps(limits), { userId: attacker, phone: taken[1], ip: '192.0.2.2' }))).code).toBe('phone_taken');
		expect((await failure(startPhoneVerification(deps(limits), { userId: attacker, phone: taken[2], ip: '192.0.2.2' }))).code).toBe('rate_limited');
	});

	it('the per-IP limit counts "taken" answers too', async () => {
		const taken = [freshNumber(), freshNumber()];
		for (const phone of taken) await verifiedOwner(phone);
		const limits = { startsPerIp: { limit: 1, windowMs: HOUR } };
		const ip = '192.0.2.3';
		expect((await failure(startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: taken[0], ip }))).code).toBe('phone_taken');
		expect((await failure(startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: taken[1], ip }))).code).toBe('rate_limited');
	});
});

describe('SMS pumping', () => {
	it.each([
		['+19002345678', /premium/i],
		['+449098790000', /premium/i],
		['+448448790000', /premium|shared/i],
		['+18005550199', /toll-free/i],
		['+442079460000', /landline/i]
	])('refuses %s (not a mobile number) before calling Twilio', async (phone, message) => {
		const user = await createUser(database.sql);
		const error = await failure(startPhoneVerification(deps(), { userId: user, phone, ip: '192.0.2.10' }));
		expect(error.code).toBe('invalid_number');
		expect(error.status).toBe(400);
		expect(error.message).toMatch(message);
		expect(await codesSentTo(phone)).toBe(0);
	});

	it.each([['+881234567890'], ['+33612345678'], ['+61412345678']])(
		'refuses %s: a country (or satellite network) not on the allowed list',
		async (phone) => {
			const user = await createUser(database.sql);
			const error = await failure(startPhoneVerification(deps(), { userId: user, phone, ip: '192.0.2.11' }));
			expect(error.code).toBe('invalid_number');
			expect(error.message).toMatch(/country/i);
			expect(await codesSentTo(phone)).toBe(0);
		}
	);

	it('accepts a mobile number of an allowed country', async () => {
		const user = await createUser(database.sql);
		await expect(startPhoneVerification(deps(), { userId: user, phone: '+447400123456', ip: '192.0.2.12' })).resolves.toMatchObject({
			phoneNumber: '+447400123456'
		});
	});

	it('caps codes per country prefix per hour, and records one alert when the cap is hit', async () => {
		const limits = { startsPerCountry: { limit: 2, windowMs: HOUR } };
		const ip = (i: number) => `198.51.100.${i}`;
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip: ip(1) });
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip: ip(2) });
		for (const i of [3, 4]) {
			const phone = freshNumber();
			const error = await failure(startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: ip(i) }));
			expect(error.code).toBe('rate_limited');
			expect(error.message).toMatch(/this country/i);
			expect(await codesSentTo(phone)).toBe(0);
		}
		// Another country is not affected.
		await expect(
			startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: '+447400123457', ip: ip(5) })
		).resolves.toBeDefined();
		const alerts = await database.sql<{ kind: string; subject: string; details: { limit: number } }[]>`
			select kind, subject, details from public.security_alerts order by id`;
		expect(alerts).toEqual([{ kind: 'verification_country_cap', subject: '+1', details: expect.objectContaining({ limit: 2 }) }]);
	});

	it('caps codes globally per hour, with an alert', async () => {
		const limits = { startsGlobal: { limit: 2, windowMs: HOUR } };
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip: '198.51.100.21' });
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: '+447400123458', ip: '198.51.100.22' });
		const error = await failure(
			startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: '+447400123459', ip: '198.51.100.23' })
		);
		expect(error.code).toBe('rate_limited');
		const alerts = await database.sql<{ kind: string }[]>`select kind from public.security_alerts`;
		expect(alerts.map((a) => a.kind)).toEqual(['verification_global_cap']);
		clock += HOUR;
		await expect(
			startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone: freshNumber(), ip: '198.51.100.24' })
		).resolves.toBeDefined();
	});
});

describe('the per-IP limit', () => {
	it('holds when 30 accounts race from one address', async () => {
		const ip = '203.0.113.99';
		const limits = { startsPerIp: { limit: 20, windowMs: HOUR } };
		const users = await Promise.all(Array.from({ length: 30 }, () => createUser(database.sql)));
		const results = await Promise.allSettled(
			users.map((userId) => startPhoneVerification(deps(limits), { userId, phone: freshNumber(), ip }))
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
		for (const r of results) if (r.status === 'rejected') expect((r.reason as VerificationError).code).toBe('rate_limited');
	});
});

describe('owner lock-out', () => {
	it('five strangers asking for codes to a number do not block its owner', async () => {
		const phone = freshNumber();
		for (let i = 0; i < 5; i++) {
			await startPhoneVerification(deps(), { userId: await createUser(database.sql), phone, ip: `198.51.100.${60 + i}` });
			clock += 1_000;
		}
		// Twilio Verify itself refuses a 6th send to one number within a verification's 10
		// minutes (60203); our own limits must not stretch that to an hour.
		await advanceSandbox(11 * 60_000);
		clock += 11 * 60_000;
		try {
			const owner = await createUser(database.sql);
			await startPhoneVerification(deps(), { userId: owner, phone, ip: '198.51.100.99' });
			await confirmPhoneVerification(deps(), { userId: owner, phone, code: await codeFor(phone), ip: '198.51.100.99' });
		} finally {
			await advanceSandbox(-11 * 60_000);
		}
	});

	it('one account is limited per number; the number as a whole has a higher ceiling', async () => {
		const phone = freshNumber();
		const limits = { startsPerNumberPerAccount: { limit: 2, windowMs: HOUR }, startsPerNumber: { limit: 4, windowMs: HOUR } };
		const me = await createUser(database.sql);
		await startPhoneVerification(deps(limits), { userId: me, phone, ip: '198.51.100.70' });
		clock += 31_000;
		await startPhoneVerification(deps(limits), { userId: me, phone, ip: '198.51.100.70' });
		clock += 31_000;
		const mine = await failure(startPhoneVerification(deps(limits), { userId: me, phone, ip: '198.51.100.70' }));
		expect(mine.code).toBe('rate_limited');
		expect(mine.message).toMatch(/this number/);
		// Others may still ask, up to the number's ceiling.
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: '198.51.100.71' });
		await startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: '198.51.100.72' });
		const ceiling = await failure(startPhoneVerification(deps(limits), { userId: await createUser(database.sql), phone, ip: '198.51.100.73' }));
		expect(ceiling.code).toBe('rate_limited');
	});
});
