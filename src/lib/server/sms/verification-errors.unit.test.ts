import { describe, expect, it } from 'vitest';
import { VerificationError, verificationErrorResponse, waitPhrase } from './verification-errors.ts';

describe('waitPhrase', () => {
	it.each([
		[1, '1 second'],
		[20, '20 seconds'],
		[59, '59 seconds'],
		[60, '1 minute'],
		[61, '2 minutes'],
		[3598, '60 minutes']
	])('%i s → %s', (seconds, phrase) => {
		expect(waitPhrase(seconds)).toBe(phrase);
	});
});

describe('verificationErrorResponse', () => {
	it('maps each failure to the API status of seed 003', () => {
		const status = (code: ConstructorParameters<typeof VerificationError>[0]['code']) =>
			verificationErrorResponse(new VerificationError({ code, message: 'x' })).status;
		expect(status('invalid_number')).toBe(400);
		expect(status('wrong_code')).toBe(400);
		expect(status('expired')).toBe(400);
		expect(status('phone_taken')).toBe(409);
		expect(status('rate_limited')).toBe(429);
		expect(status('too_many_attempts')).toBe(429);
	});

	it('adds Retry-After only when there is a wait', () => {
		const limited = verificationErrorResponse(
			new VerificationError({ code: 'rate_limited', message: 'Wait.', retryAfterSeconds: 42 })
		);
		expect(limited.headers).toEqual({ 'retry-after': '42' });
		expect(limited.body).toEqual({ success: false, error: 'Wait.', code: 'rate_limited', retryAfterSeconds: 42 });
		const wrong = verificationErrorResponse(new VerificationError({ code: 'wrong_code', message: 'No.' }));
		expect(wrong.headers).toEqual({});
		expect(wrong.body).toEqual({ success: false, error: 'No.', code: 'wrong_code' });
	});
});
