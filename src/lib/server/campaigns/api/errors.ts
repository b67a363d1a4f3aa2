/**
 * Errors of the campaigns JSON API: an HTTP status, a stable code, the field at fault (when
 * one is) and a message a person can act on. The SQL API's named exceptions (CM…, TP…, WS001)
 * map here; anything else is not ours to explain and becomes a logged 500 upstream.
 */
export class CampaignApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly field: string | undefined;

	constructor(options: { status: number; code: string; message: string; field?: string; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'CampaignApiError';
		this.status = options.status;
		this.code = options.code;
		this.field = options.field;
	}

	toJSON(): { error: { code: string; message: string; field?: string } } {
		return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
	}
}

const BY_SQLSTATE: Record<string, { status: number; code: string; field?: string }> = {
	CM001: { status: 404, code: 'not_found' },
	CM002: { status: 404, code: 'unknown_import', field: 'importId' },
	CM003: { status: 422, code: 'content_required', field: 'body' },
	CM004: { status: 422, code: 'unknown_template', field: 'templateId' },
	CM005: { status: 422, code: 'invalid_name', field: 'name' },
	CM006: { status: 422, code: 'unknown_notification_type', field: 'notificationType' },
	CM007: { status: 422, code: 'invalid_throttle', field: 'throttlePerSecond' },
	CM008: { status: 422, code: 'invalid_schedule', field: 'scheduledAt' },
	CM009: { status: 409, code: 'not_startable' },
	CM010: { status: 409, code: 'over_cap', field: 'confirmOverCap' },
	CM011: { status: 403, code: 'owner_required', field: 'confirmOverCap' },
	CM012: { status: 409, code: 'not_pausable' },
	CM013: { status: 409, code: 'not_resumable' },
	CM014: { status: 409, code: 'not_cancelable' },
	CM015: { status: 409, code: 'not_retryable' },
	CM016: { status: 422, code: 'body_too_long', field: 'body' },
	CM020: { status: 409, code: 'template_in_use', field: 'templateId' },
	TP005: { status: 422, code: 'missing_variables', field: 'body' },
	TP006: { status: 422, code: 'unexpected_variables', field: 'body' },
	WS001: { status: 403, code: 'forbidden' }
};

/** "over_cap: the estimate …" → "The estimate …." */
function plain(message: string): string {
	const text = message.replace(/^[a-z_]+:\s*/, '');
	return text ? text[0]!.toUpperCase() + text.slice(1) + (/[.!?)]$/.test(text) ? '' : '.') : 'That could not be done.';
}

/** A refusal of the campaign SQL API as a CampaignApiError, or null for anything unexpected. */
export function fromDatabase(e: unknown): CampaignApiError | null {
	if (typeof e !== 'object' || e === null || typeof (e as { code?: unknown }).code !== 'string') return null;
	const { code, message } = e as { code: string; message?: string };
	const known = BY_SQLSTATE[code];
	if (!known) return null;
	return new CampaignApiError({ ...known, message: plain(message ?? ''), cause: e });
}
