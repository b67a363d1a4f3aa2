import twilio from 'twilio';
import { explainError } from '../errors/index.ts';
import { TwilioServiceError } from './twilio-service-error.ts';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EPIPE',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_NETWORK',
	'ERR_SOCKET_CONNECTION_TIMEOUT'
]);

/** Twilio answers some failures without a JSON body; give them the code Twilio uses for that status. */
function codeForStatus(status: number): number {
	if (status === 401) return 20003;
	if (status === 404) return 20404;
	if (status === 429) return 20429;
	return status >= 500 ? 20500 : 20001;
}

function stringCode(error: object): string | undefined {
	const code = (error as { code?: unknown }).code;
	return typeof code === 'string' ? code : undefined;
}

/**
 * Turn whatever the SDK threw into a TwilioServiceError. Errors that are neither a Twilio
 * answer nor a transport failure are bugs and come back unchanged, for the caller to rethrow.
 */
export function toServiceError(error: unknown): TwilioServiceError | unknown {
	if (error instanceof TwilioServiceError) return error;
	if (error instanceof twilio.RestException) {
		const status = error.status;
		const code = typeof error.code === 'number' ? error.code : codeForStatus(status);
		const explained = explainError(code);
		return new TwilioServiceError({
			code,
			status,
			message: error.message,
			retryable: explained.retryable || status >= 500 || status === 429,
			scope: explained.scope,
			moreInfo: error.moreInfo ?? null,
			cause: error
		});
	}
	if (error instanceof Error) {
		const code = stringCode(error);
		const timedOut = (code && TIMEOUT_CODES.has(code)) || /timeout/i.test(error.message);
		if (timedOut || (code && NETWORK_CODES.has(code))) {
			return new TwilioServiceError({
				code: timedOut ? 'timeout' : 'network',
				status: null,
				message: timedOut ? `Twilio did not answer in time: ${error.message}` : `Could not reach Twilio: ${error.message}`,
				retryable: true,
				scope: 'none',
				cause: error
			});
		}
	}
	return error;
}

/** Run a Twilio call, converting its failures; bugs pass through untouched. */
export async function callTwilio<T>(call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (error) {
		throw toServiceError(error);
	}
}
