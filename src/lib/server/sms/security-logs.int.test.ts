/**
 * Security review: what the web server's verification flow writes to its logs. Codes, the Twilio
 * auth token and the Basic-auth header derived from it must never appear — including when the
 * Twilio call fails at the network level, where the SDK's HTTP error carries the request config.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient } from '@sms/twilio-service';
import { confirmPhoneVerification, startPhoneVerification, type VerificationDeps } from './verification.ts';

const ACCOUNT_SID = `AC${'3c'.repeat(16)}`;
const AUTH_TOKEN = 'log-test-auth-token-d41d8cd98f00b204';
const VERIFY_SID = `VA${'4d'.repeat(16)}`;
const BASIC = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

let database: TestDatabase;
let sandbox: Sandbox;

function capture(): { log: pino.Logger; text: () => string } {
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, done) {
			lines.push(chunk.toString());
			done();
		}
	});
	return { log: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

function expectNoSecrets(text: string, extra: string[] = []): void {
	for (const secret of [AUTH_TOKEN, BASIC, ...extra]) expect(text).not.toContain(secret);
}

beforeAll(async () => {
	database = await createTestDatabase();
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: VERIFY_SID });
});

afterAll(async () => {
	await sandbox?.close();
	await database?.close();
});

describe('verification logs', () => {
	it('a full start + wrong code + right code leaves no code and no credential in the log', async () => {
		const { log, text } = capture();
		const twilio = new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: VERIFY_SID, baseUrl: sandbox.url });
		const deps: VerificationDeps = { db: database.db, twilio, log };
		const userId = await createUser(database.sql);
		const phone = '+14155556001';
		await startPhoneVerification(deps, { userId, phone, country: 'US', ip: '203.0.113.20' });
		const { code } = (await (await fetch(`${sandbox.url}/_sandbox/verifications?to=${encodeURIComponent(phone)}`)).json()) as { code: string };
		const wrong = code === '000000' ? '111111' : '000000';
		await confirmPhoneVerification(deps, { userId, phone, code: wrong, country: 'US', ip: '203.0.113.20' }).catch(() => null);
		await confirmPhoneVerification(deps, { userId, phone, code, country: 'US', ip: '203.0.113.20' });
		expect(text()).toContain('phone verified');
		expectNoSecrets(text(), [code, wrong]);
	});

	it('a network failure reaching Twilio is logged without the request headers (Basic auth) or the token', async () => {
		const { log, text } = capture();
		// Nothing listens on port 9 (discard) on loopback: the SDK's HTTP client fails with ECONNREFUSED.
		const twilio = new TwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, verifyServiceSid: VERIFY_SID, baseUrl: 'http://127.0.0.1:9' });
		const deps: VerificationDeps = { db: database.db, twilio, log };
		const userId = await createUser(database.sql);
		const failed = await startPhoneVerification(deps, { userId, phone: '+14155556002', country: 'US', ip: '203.0.113.21' }).then(
			() => null,
			(error: unknown) => error
		);
		expect(failed).not.toBeNull();
		expect(text()).toContain('verification start failed');
		expectNoSecrets(text());
	});
});
