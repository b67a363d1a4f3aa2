import { WebhookError } from './errors.ts';

/** SQLSTATE classes that mean "your input was wrong" rather than "try again later". */
const INPUT_CLASSES = ['22', '23'];
/** Our SQL API's named input errors: SM004 invalid_phone, SM013 invalid_argument. */
const INPUT_STATES = ['SM004', 'SM013'];

function sqlState(error: unknown): string | null {
	if (typeof error !== 'object' || error === null) return null;
	const code = (error as { code?: unknown }).code;
	return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * Maps a failure while storing a report to the webhook answer: bad data is a 400; anything else
 * (connection refused, pool timeout, shutdown, deadlock) is a 503 so Twilio retries later.
 */
export function toWebhookError(error: unknown): WebhookError {
	if (error instanceof WebhookError) return error;
	const state = sqlState(error);
	if (state && (INPUT_CLASSES.includes(state.slice(0, 2)) || INPUT_STATES.includes(state))) {
		return new WebhookError('malformed_body', 'The report could not be stored as given.', { cause: error });
	}
	return new WebhookError('database_unavailable', 'The report could not be stored right now; retry later.', {
		cause: error
	});
}
