/** The HTTP providers whose callbacks arrive at POST /api/webhooks/sms. */
export type WebhookProvider = 'sms-retail' | '23telecom';

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: unknown): boolean {
	return (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Which provider sent this body, by its shape (seed 001 §2): a `messageId` or `message_id`
 * → 23telecom; otherwise a numeric `id` → sms-retail; otherwise null (unknown: kept as an
 * unmatched event). A digits-only string id counts as numeric: JSON encoders differ.
 */
export function detectProvider(payload: unknown): WebhookProvider | null {
	if (!isObject(payload)) return null;
	if (present(payload.messageId) || present(payload.message_id)) return '23telecom';
	const id = payload.id;
	if ((typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && /^\d{1,18}$/.test(id))) {
		return 'sms-retail';
	}
	return null;
}
