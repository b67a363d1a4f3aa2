import { validateTwilioRequest } from '@sms/twilio-service';
import { WebhookError } from './errors.ts';

export interface SignatureCheck {
	authToken: string;
	/** PUBLIC_BASE_URL: the URL Twilio was given, never the Host a proxy shows us. */
	publicBaseUrl: string;
	/** The request as received. */
	url: URL;
	headers: Headers;
	rawBody: string;
}

/** Throws 403-class WebhookErrors for a missing or wrong X-Twilio-Signature. */
export function assertTwilioSignature(check: SignatureCheck): void {
	const signature = check.headers.get('x-twilio-signature');
	if (!signature) {
		throw new WebhookError('missing_signature', 'X-Twilio-Signature is missing.');
	}
	const valid = validateTwilioRequest({
		authToken: check.authToken,
		publicUrl: check.publicBaseUrl,
		path: check.url.pathname,
		rawQuery: check.url.search.replace(/^\?/, ''),
		signature,
		contentType: check.headers.get('content-type') ?? '',
		rawBody: check.rawBody
	});
	if (!valid) {
		throw new WebhookError('invalid_signature', 'X-Twilio-Signature does not match this request.');
	}
}
