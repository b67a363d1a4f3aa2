import { explainError } from '@sms/twilio-service';
import { VerificationError, type VerificationErrorCode } from './verification-errors.ts';

/**
 * What a Twilio Verify failure means for the person verifying. The words come from the error
 * catalogue (packages/twilio-service/src/errors/catalogue.ts), the one place Twilio codes are
 * explained; this file only says which verification outcome each code is.
 */
interface Outcome {
	code: VerificationErrorCode;
	retryAfterSeconds?: number;
}

const ON_START: Readonly<Record<number, Outcome>> = {
	60200: { code: 'invalid_number' },
	21211: { code: 'invalid_number' },
	21614: { code: 'invalid_number' },
	21408: { code: 'invalid_number' },
	21612: { code: 'invalid_number' },
	60203: { code: 'rate_limited', retryAfterSeconds: 600 },
	60212: { code: 'rate_limited', retryAfterSeconds: 60 },
	20429: { code: 'rate_limited', retryAfterSeconds: 60 }
};

const ON_CHECK: Readonly<Record<number, Outcome>> = {
	20404: { code: 'expired' },
	60202: { code: 'too_many_attempts', retryAfterSeconds: 600 },
	60200: { code: 'wrong_code' },
	60212: { code: 'rate_limited', retryAfterSeconds: 60 },
	20429: { code: 'rate_limited', retryAfterSeconds: 60 }
};

/** Twilio's numeric error code from a TwilioServiceError or the SDK's RestException. */
export function providerCode(error: unknown): number | null {
	if (typeof error !== 'object' || error === null) return null;
	const e = error as { code?: unknown; twilioCode?: unknown };
	if (typeof e.twilioCode === 'number') return e.twilioCode;
	if (typeof e.code === 'number') return e.code;
	if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code);
	return null;
}

function fromCatalogue(error: unknown, table: Readonly<Record<number, Outcome>>, action: 'start' | 'check'): VerificationError {
	const code = providerCode(error);
	const outcome = code === null ? undefined : table[code];
	const field = action === 'start' || outcome?.code === 'invalid_number' ? 'phone' : 'code';
	if (!outcome) {
		return new VerificationError({
			code: 'provider_error',
			message: action === 'start' ? 'We could not send a code just now. Try again in a minute.' : 'We could not check the code just now. Try again in a minute.',
			field,
			cause: error
		});
	}
	const entry = explainError(code);
	return new VerificationError({
		code: outcome.code,
		message: `${entry.explanation} ${entry.action}`,
		field,
		retryAfterSeconds: outcome.retryAfterSeconds ?? null,
		cause: error
	});
}

/** Twilio refused to send a code. */
export function startFailure(error: unknown): VerificationError {
	return fromCatalogue(error, ON_START, 'start');
}

/** Twilio refused to check a code. */
export function checkFailure(error: unknown): VerificationError {
	return fromCatalogue(error, ON_CHECK, 'check');
}
