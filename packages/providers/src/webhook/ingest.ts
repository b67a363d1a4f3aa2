import { detectProvider, type WebhookProvider } from './detect.ts';
import { parseReport, type DeliveryReport } from './parse.ts';
import { verify23Telecom, verifySmsRetail, type HeaderSource, type VerifyFailure } from './verify.ts';

/** Bodies larger than this are refused (413) before parsing. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

/**
 * What one POST to /api/webhooks/sms amounts to, before any database work:
 * - `report`: verified (or no secret configured) and normalised → apply it.
 * - `unknown_shape`: JSON we cannot attribute → keep as an unmatched event, answer 200.
 * - `rejected`: a secret is configured and the check failed → count it, keep a rejected row, 200.
 * - `invalid`: not a JSON object → 400.
 */
export type IngestResult =
	| { kind: 'report'; report: DeliveryReport; verified: boolean }
	| { kind: 'unknown_shape'; payload: unknown }
	| { kind: 'rejected'; provider: WebhookProvider; reason: VerifyFailure; reference: string }
	| { kind: 'invalid'; message: string };

export interface IngestInput {
	rawBody: string;
	headers: HeaderSource;
	query: URLSearchParams;
	/**
	 * The webhook secrets configured for a provider (every workspace's, or one when the
	 * reference is already known). Empty: nothing to check. Any one matching is enough, which
	 * also lets a secret be rotated without losing callbacks.
	 */
	secretsFor: (provider: WebhookProvider, reference: string) => readonly string[];
	now: number;
}

export function ingestWebhook(input: IngestInput): IngestResult {
	let payload: unknown;
	try {
		payload = JSON.parse(input.rawBody);
	} catch {
		return { kind: 'invalid', message: 'The body is not valid JSON.' };
	}
	if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
		return { kind: 'invalid', message: 'The body must be a JSON object.' };
	}
	const provider = detectProvider(payload);
	if (!provider) return { kind: 'unknown_shape', payload };
	const report = parseReport(provider, payload as Record<string, unknown>);
	const secrets = input.secretsFor(provider, report.reference);
	if (secrets.length === 0) return { kind: 'report', report, verified: false };

	let reason: VerifyFailure = 'bad_signature';
	for (const secret of secrets) {
		const result =
			provider === 'sms-retail'
				? verifySmsRetail({ rawBody: input.rawBody, headers: input.headers, secret })
				: verify23Telecom({ rawBody: input.rawBody, headers: input.headers, query: input.query, secret, now: input.now });
		if (result.ok) return { kind: 'report', report, verified: true };
		reason = result.reason;
	}
	return { kind: 'rejected', provider, reason, reference: report.reference };
}
