import { parseCount, parsePrice } from '../http.ts';
import { normalizeStatus } from '../normalize.ts';
import type { DeliveryStatus } from '../port.ts';
import type { WebhookProvider } from './detect.ts';

/** One delivery report, normalised; `raw` is the whole body as received. */
export interface DeliveryReport {
	provider: WebhookProvider;
	reference: string;
	/** As the provider wrote it ('' when the body had none). */
	rawStatus: string;
	status: DeliveryStatus;
	/** Actual price (23telecom `cost`), positive; null when absent. */
	price: number | null;
	priceUnit: string | null;
	/** Segments charged (23telecom `num_parts`); null when absent. */
	segments: number | null;
	errorCode: string | null;
	raw: Record<string, unknown>;
}

function text(value: unknown): string | null {
	if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

/** Read a body `detectProvider` attributed to `provider`. The reference is always present then. */
export function parseReport(provider: WebhookProvider, payload: Record<string, unknown>): DeliveryReport {
	const rawStatus = text(payload.status) ?? '';
	const base = {
		provider,
		rawStatus,
		status: normalizeStatus(provider, rawStatus),
		errorCode: text(payload.error_code) ?? text(payload.errorCode),
		raw: payload
	};
	if (provider === '23telecom') {
		return {
			...base,
			reference: text(payload.messageId) ?? text(payload.message_id) ?? '',
			price: parsePrice(payload.cost),
			priceUnit: text(payload.currency),
			segments: parseCount(payload.num_parts)
		};
	}
	return { ...base, reference: text(payload.id) ?? '', price: null, priceUnit: null, segments: null };
}
