import twilio from 'twilio';
import { mediaType } from '../validate/media-type.ts';

export type FormParams = Record<string, string | string[]>;

export interface WebhookUrlParts {
	/** The public base URL Twilio was given, e.g. "https://app.example.com" (may include a base path). */
	publicUrl: string;
	/** Request path as routed by the app, e.g. "/api/webhooks/twilio/status". */
	path: string;
	/** Query string exactly as received (with or without the leading "?"), or null/empty. */
	rawQuery?: string | null;
}

export interface ValidateTwilioRequestInput extends WebhookUrlParts {
	authToken: string;
	/** X-Twilio-Signature header; missing or empty means invalid. */
	signature: string | null | undefined;
	contentType: string | null | undefined;
	rawBody: string;
}

/**
 * The URL Twilio signed: the configured public URL (not what a proxy forwarded to us, where
 * https may have become http and the host may differ) + the path + the query as received.
 */
export function twilioWebhookUrl(parts: WebhookUrlParts): string {
	const base = parts.publicUrl.replace(/\/+$/, '');
	const path = parts.path.startsWith('/') ? parts.path : `/${parts.path}`;
	const query = (parts.rawQuery ?? '').replace(/^\?/, '');
	return query === '' ? `${base}${path}` : `${base}${path}?${query}`;
}

/**
 * Form body → parameters as Twilio signs them: a key sent several times becomes an array,
 * which the SDK sorts and concatenates the way Twilio's signer does.
 */
export function formParams(rawBody: string): FormParams {
	const params: FormParams = {};
	for (const [key, value] of new URLSearchParams(rawBody)) {
		const existing = params[key];
		if (existing === undefined) params[key] = value;
		else if (Array.isArray(existing)) existing.push(value);
		else params[key] = [existing, value];
	}
	return params;
}

/**
 * Checks X-Twilio-Signature with the twilio SDK.
 * - form-encoded bodies: HMAC over URL + sorted params (validateRequest);
 * - JSON bodies: HMAC over the URL, whose bodySHA256 query parameter must match the body
 *   (validateRequestWithBody);
 * - no body and no content type: URL only.
 * Never throws: anything malformed is simply not a valid Twilio request.
 */
export function validateTwilioRequest(input: ValidateTwilioRequestInput): boolean {
	const { authToken, signature, rawBody } = input;
	if (!signature || !authToken) return false;
	try {
		const url = twilioWebhookUrl(input);
		const type = mediaType(input.contentType);
		if (type === 'application/x-www-form-urlencoded') {
			return twilio.validateRequest(authToken, signature, url, formParams(rawBody));
		}
		if (type === 'application/json') {
			return twilio.validateRequestWithBody(authToken, signature, url, rawBody);
		}
		if (type === '' && rawBody === '') {
			return twilio.validateRequest(authToken, signature, url, {});
		}
		return false;
	} catch {
		return false;
	}
}

/** X-Twilio-Signature for a request to `url` with form `params` (tests, sandbox callbacks). */
export function signTwilioRequest(input: { authToken: string; url: string; params: FormParams }): string {
	return twilio.getExpectedTwilioSignature(input.authToken, input.url, input.params);
}

/** Hex SHA-256 of a JSON body, for the bodySHA256 query parameter Twilio adds to JSON webhooks. */
export function twilioBodyHash(rawBody: string): string {
	return twilio.getExpectedBodyHash(rawBody);
}
