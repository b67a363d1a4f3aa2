import { WebhookError } from './errors.ts';

/** Twilio's payloads are a few hundred bytes; anything far larger is not Twilio. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

/** Reads the raw body once (the signature needs it verbatim), refusing oversized bodies. */
export async function readRawBody(request: Request): Promise<string> {
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > MAX_WEBHOOK_BODY_BYTES) {
		throw new WebhookError('body_too_large', `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`);
	}
	const text = await request.text();
	if (Buffer.byteLength(text) > MAX_WEBHOOK_BODY_BYTES) {
		throw new WebhookError('body_too_large', `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`);
	}
	return text;
}

export function mediaType(contentType: string | null): string {
	return (contentType ?? '').split(';')[0].trim().toLowerCase();
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
