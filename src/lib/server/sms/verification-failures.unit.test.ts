import { describe, expect, it } from 'vitest';
import { explainError } from '@sms/twilio-service';
import { checkFailure, startFailure } from './verification-failures.ts';

const twilio = (code: number) => Object.assign(new Error(`twilio ${code}`), { code });

describe('verification failures come from the error catalogue', () => {
	it.each([
		[21211, 'invalid_number', 'phone'],
		[21614, 'invalid_number', 'phone'],
		[21408, 'invalid_number', 'phone'],
		[60203, 'rate_limited', 'phone'],
		[20429, 'rate_limited', 'phone']
	] as const)('start: %i is %s', (code, expected, field) => {
		const error = startFailure(twilio(code));
		expect(error).toMatchObject({ code: expected, field });
		expect(error.message).toContain(explainError(code).action);
	});

	it.each([
		[20404, 'expired'],
		[60202, 'too_many_attempts'],
		[60200, 'wrong_code'],
		[20429, 'rate_limited']
	] as const)('check: %i is %s', (code, expected) => {
		const error = checkFailure(twilio(code));
		expect(error.code).toBe(expected);
		expect(error.message).toContain(explainError(code).explanation);
	});

	it('says when to retry for rate limits', () => {
		expect(startFailure(twilio(60203)).retryAfterSeconds).toBe(600);
		expect(checkFailure(twilio(20429)).retryAfterSeconds).toBe(60);
	});

	it('an unknown or missing code is a provider error (502), with a generic message', () => {
		expect(startFailure(new Error('socket hang up'))).toMatchObject({ code: 'provider_error', status: 502 });
		expect(checkFailure(twilio(99999))).toMatchObject({ code: 'provider_error', field: 'code' });
	});
});
