import { mediaType } from '@sms/twilio-service/validate';
import { readCappedBody } from '../http/read-capped.ts';
import { WebhookError } from './errors.ts';

/** Twilio's payloads are a few hundred bytes; anything far larger is not Twilio. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

function tooLarge(): WebhookError {
	return new WebhookError('body_too_large', `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`);
}

/**
 * Reads the raw body once (the signature needs it verbatim), refusing oversized bodies: stops
 * reading as soon as the limit is passed, declared or not (chunked). A body that cannot be read
 * (the adapter's own BODY_SIZE_LIMIT, a client that hung up) is the sender's problem — a 4xx —
 * never a 5xx, which would tell Twilio to retry and page whoever watches 5xx rates.
 */
export async function readRawBody(request: Request): Promise<string> {
	let bytes: Buffer | null;
	try {
		bytes = await readCappedBody(request, MAX_WEBHOOK_BODY_BYTES);
	} catch (error) {
		throw new WebhookError('malformed_body', 'The request body could not be read.', { cause: error });
	}
	if (bytes === null) throw tooLarge();
	return bytes.toString('utf8');
}

/**
 * Twilio posts application/x-www-form-urlencoded. Anything else is refused before parsing,
 * so a JSON or multipart body never reaches the database.
 */
export function parseTwilioForm(options: { contentType: string | null; rawBody: string }): Record<string, string> {
	if (mediaType(options.contentType) !== 'application/x-www-form-urlencoded') {
		throw new WebhookError(
			'unsupported_media_type',
			'Expected an application/x-www-form-urlencoded body, as Twilio sends.'
		);
	}
	const params: Record<string, string> = {};
	for (const [key, value] of new URLSearchParams(options.rawBody)) {
		// Twilio never repeats a key; the first value wins if someone else does.
		if (!(key in params)) params[key] = value;
	}
	return params;
}
