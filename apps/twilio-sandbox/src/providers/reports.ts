import { createHmac } from 'node:crypto';
import { PRICE_PER_PART, STATUS_WORDS, type HttpProviderId, type Stage } from './outcomes.ts';
import type { ProviderText } from './store.ts';

const ERRORS: Partial<Record<Stage, { code: string; message: string }>> = {
	undelivered: { code: 'handset_unreachable', message: 'Unreachable destination handset' },
	failed: { code: 'rejected', message: 'Rejected by the network' },
	expired: { code: 'expired', message: 'Validity period expired' }
};

const FINAL: ReadonlySet<Stage> = new Set(['delivered', 'undelivered', 'failed', 'expired']);

/** The body a provider's API answers for a text (send answer, status lookup). */
export function textJson(provider: HttpProviderId, text: ProviderText): Record<string, unknown> {
	const status = STATUS_WORDS[provider][text.stage];
	const error = ERRORS[text.stage];
	if (provider === 'sms-retail') {
		return {
			id: Number(text.id),
			status,
			to: text.to,
			from: text.from,
			client_ref: text.clientRef,
			parts: text.parts,
			price: (PRICE_PER_PART['sms-retail'] * text.parts).toFixed(4),
			currency: 'EUR',
			error_code: error?.code ?? null,
			error_message: error?.message ?? null,
			created_at: new Date(text.createdAt).toISOString()
		};
	}
	return {
		messageId: text.id,
		status,
		destination: text.to,
		source: text.from,
		client_ref: text.clientRef,
		num_parts: text.parts,
		cost: FINAL.has(text.stage) ? (PRICE_PER_PART['23telecom'] * text.parts).toFixed(4) : null,
		currency: 'EUR',
		error_code: error ? error.code.toUpperCase() : null,
		error_text: error?.message ?? null,
		submitted_at: new Date(text.createdAt).toISOString()
	};
}

/** The delivery report for `stage`, as the provider would POST it. */
export function reportJson(provider: HttpProviderId, text: ProviderText, stage: Stage, now: number): Record<string, unknown> {
	const status = STATUS_WORDS[provider][stage];
	const error = ERRORS[stage];
	if (provider === 'sms-retail') {
		return {
			id: Number(text.id),
			status,
			to: text.to,
			client_ref: text.clientRef,
			error_code: error?.code ?? null,
			timestamp: new Date(now).toISOString()
		};
	}
	const report: Record<string, unknown> = {
		messageId: text.id,
		status,
		destination: text.to,
		client_ref: text.clientRef,
		done_at: new Date(now).toISOString()
	};
	if (error) report.error_code = error.code.toUpperCase();
	if (FINAL.has(stage)) {
		report.cost = (PRICE_PER_PART['23telecom'] * text.parts).toFixed(4);
		report.currency = 'EUR';
		report.num_parts = text.parts;
	}
	return report;
}

/**
 * URL and headers for one delivery attempt, signed when the provider has a webhook secret:
 * sms-retail `X-Signature` = hex HMAC-SHA256(body); 23telecom adds `token=<secret>` to the
 * URL and `X-Webhook-Signature: sha256=<hex HMAC-SHA256("{timestamp}.{body}")>` with
 * `X-Webhook-Timestamp` in Unix seconds.
 */
export function signedRequest(
	provider: HttpProviderId,
	url: string,
	body: string,
	secret: string | null,
	now: number
): { url: string; headers: Record<string, string> } {
	if (!secret) return { url, headers: {} };
	const hmac = (data: string) => createHmac('sha256', secret).update(data).digest('hex');
	if (provider === 'sms-retail') return { url, headers: { 'X-Signature': hmac(body) } };
	const target = new URL(url);
	target.searchParams.set('token', secret);
	const timestamp = String(Math.floor(now / 1000));
	return {
		url: target.toString(),
		headers: { 'X-Webhook-Timestamp': timestamp, 'X-Webhook-Signature': `sha256=${hmac(`${timestamp}.${body}`)}` }
	};
}
