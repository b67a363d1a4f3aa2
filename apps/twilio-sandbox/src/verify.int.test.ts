import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './server.ts';
import { control, restError, sdkFor, startTestSandbox, VERIFY_SID } from '../testing/index.ts';

let sandbox: Sandbox;
let verify: ReturnType<ReturnType<typeof sdkFor>['verify']['v2']['services']>;

beforeAll(async () => {
	sandbox = await startTestSandbox();
	verify = sdkFor(sandbox).verify.v2.services(VERIFY_SID);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.state.reset());

const PHONE = '+15551240001';

async function codeFor(to: string): Promise<string> {
	const { json } = await control<{ code: string }>(sandbox, `verifications?to=${encodeURIComponent(to)}`);
	return json.code;
}

describe('Verify v2', () => {
	it('texts a 6-digit code to the phone and approves it once', async () => {
		const started = await verify.verifications.create({ to: PHONE, channel: 'sms' });
		expect(started).toMatchObject({ status: 'pending', to: PHONE, channel: 'sms', valid: false });
		expect(started.sid).toMatch(/^VE[0-9a-f]{32}$/);

		const code = await codeFor(PHONE);
		expect(code).toMatch(/^\d{6}$/);
		const { json } = await control<{ messages: { body: string; kind: string }[] }>(
			sandbox,
			`messages?to=${encodeURIComponent(PHONE)}`
		);
		expect(json.messages).toEqual([expect.objectContaining({ kind: 'verification', body: expect.stringContaining(code) })]);

		const check = await verify.verificationChecks.create({ to: PHONE, code });
		expect(check).toMatchObject({ status: 'approved', valid: true, sid: started.sid });
		// Once approved the verification is gone, as on Twilio.
		expect(await restError(verify.verificationChecks.create({ to: PHONE, code }))).toMatchObject({
			status: 404,
			code: 20404
		});
	});

	it('keeps a wrong code pending', async () => {
		await verify.verifications.create({ to: PHONE, channel: 'sms' });
		const code = await codeFor(PHONE);
		const wrong = code === '000000' ? '111111' : '000000';
		const check = await verify.verificationChecks.create({ to: PHONE, code: wrong });
		expect(check).toMatchObject({ status: 'pending', valid: false });
		expect((await verify.verificationChecks.create({ to: PHONE, code })).status).toBe('approved');
	});

	it('resends the same code while one is pending', async () => {
		const first = await verify.verifications.create({ to: PHONE, channel: 'sms' });
		const code = await codeFor(PHONE);
		const second = await verify.verifications.create({ to: PHONE, channel: 'sms' });
		expect(second.sid).toBe(first.sid);
		expect(second.sendCodeAttempts).toHaveLength(2);
		expect(await codeFor(PHONE)).toBe(code);
	});

	it('expires codes after 10 minutes (404, code 20404)', async () => {
		await verify.verifications.create({ to: PHONE, channel: 'sms' });
		const code = await codeFor(PHONE);
		await control(sandbox, 'clock', { advanceMs: 10 * 60_000 + 1 });
		expect(await restError(verify.verificationChecks.create({ to: PHONE, code }))).toMatchObject({
			status: 404,
			code: 20404
		});
	});

	it('answers 404 for a number with no verification', async () => {
		const error = await restError(verify.verificationChecks.create({ to: '+15551240999', code: '123456' }));
		expect(error).toMatchObject({ status: 404, code: 20404 });
	});

	it('blocks checks after 5 wrong codes (429, code 60202), even the right one', async () => {
		await verify.verifications.create({ to: PHONE, channel: 'sms' });
		const code = await codeFor(PHONE);
		const wrong = code === '000000' ? '111111' : '000000';
		for (let i = 0; i < 5; i++) {
			expect((await verify.verificationChecks.create({ to: PHONE, code: wrong })).status).toBe('pending');
		}
		expect(await restError(verify.verificationChecks.create({ to: PHONE, code }))).toMatchObject({
			status: 429,
			code: 60202
		});
	});

	it('refuses a 6th send to one number within 10 minutes (429, code 60203)', async () => {
		for (let i = 0; i < 5; i++) await verify.verifications.create({ to: PHONE, channel: 'sms' });
		expect(await restError(verify.verifications.create({ to: PHONE, channel: 'sms' }))).toMatchObject({
			status: 429,
			code: 60203
		});
		await control(sandbox, 'clock', { advanceMs: 10 * 60_000 });
		expect((await verify.verifications.create({ to: PHONE, channel: 'sms' })).status).toBe('pending');
	});

	it('answers 404 for an unknown Verify service and 400 (60200) for a bad number', async () => {
		const other = sdkFor(sandbox).verify.v2.services(`VA${'9'.repeat(32)}`);
		expect(await restError(other.verifications.create({ to: PHONE, channel: 'sms' }))).toMatchObject({
			status: 404,
			code: 20404
		});
		expect(await restError(verify.verifications.create({ to: 'nope', channel: 'sms' }))).toMatchObject({
			status: 400,
			code: 60200
		});
	});
});
