import { phoneCipher } from '@sms/db';

/**
 * webhook_deliveries keep the event's number sealed (`data.phoneEnc` + `data.phoneLast4`); the
 * customer's endpoint gets `data.phone` as before. Opened here, right before signing, so no clear
 * number is ever stored in the database. Keys keep jsonb's order (shorter first, then bytewise),
 * so the body is what the endpoint received before the sealing.
 */
export function openWebhookPayload(payload: unknown): unknown {
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
	const p = payload as Record<string, unknown>;
	const data = p.data;
	if (!data || typeof data !== 'object' || Array.isArray(data) || !('phoneEnc' in data)) return payload;
	const { phoneEnc, phoneLast4: _last4, ...rest } = data as Record<string, unknown>;
	const phone = typeof phoneEnc === 'string' ? phoneCipher().decrypt(phoneEnc) : null;
	const entries = Object.entries({ ...rest, phone }).sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
	return { ...p, data: Object.fromEntries(entries) };
}
