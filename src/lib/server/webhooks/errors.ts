/** Why a webhook request was refused; `status` is the HTTP answer Twilio gets. */
export type WebhookErrorCode =
	| 'missing_signature'
	| 'invalid_signature'
	| 'unsupported_media_type'
	| 'body_too_large'
	| 'malformed_body'
	| 'database_unavailable';

const STATUS: Record<WebhookErrorCode, number> = {
	missing_signature: 403,
	invalid_signature: 403,
	unsupported_media_type: 415,
	body_too_large: 413,
	malformed_body: 400,
	// 503 makes Twilio retry: a report we could keep is never dropped.
	database_unavailable: 503
};

export class WebhookError extends Error {
	readonly code: WebhookErrorCode;
	readonly status: number;

	constructor(code: WebhookErrorCode, message: string, options: { cause?: unknown } = {}) {
		super(message, { cause: options.cause });
		this.name = 'WebhookError';
		this.code = code;
		this.status = STATUS[code];
	}
}
