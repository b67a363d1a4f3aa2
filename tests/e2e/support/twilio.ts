import type { APIRequestContext, APIResponse } from '@playwright/test';
import twilio from 'twilio';
import { e2e } from './env.ts';

export const STATUS_PATH = '/api/webhooks/twilio/status';
export const INCOMING_PATH = '/api/webhooks/twilio/incoming';

export function newSid(): string {
	const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
	return `SM${hex}`;
}

/**
 * POSTs a form-encoded webhook the way Twilio does: no Origin, X-Twilio-Signature over
 * `signUrl` (default: the public URL Twilio was given + path) and the parameters.
 */
export function postSigned(
	request: APIRequestContext,
	options: {
		path: string;
		params: Record<string, string>;
		/** Where to send it; default E2E_BASE_URL. */
		baseUrl?: string;
		/** The URL to sign; default PUBLIC_BASE_URL + path. null: no signature header. */
		signUrl?: string | null;
		/** Sent instead of the signed params (tampering). */
		body?: string;
		contentType?: string;
	}
): Promise<APIResponse> {
	const headers: Record<string, string> = {
		'content-type': options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8'
	};
	if (options.signUrl !== null) {
		const url = options.signUrl ?? `${e2e.publicBaseUrl}${options.path}`;
		headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(e2e.authToken, url, options.params);
	}
	return request.post(`${options.baseUrl ?? e2e.baseUrl}${options.path}`, {
		headers,
		data: options.body ?? new URLSearchParams(options.params).toString(),
		maxRedirects: 0
	});
}

export function statusParams(sid: string, status: string, extra: Record<string, string> = {}): Record<string, string> {
	return {
		AccountSid: 'AC' + '0'.repeat(31) + '1',
		MessageSid: sid,
		SmsSid: sid,
		MessageStatus: status,
		SmsStatus: status,
		From: '+15005550006',
		To: '+15551230000',
		ApiVersion: '2010-04-01',
		...extra
	};
}
