import { phoneCipher, sealPayload, type Db } from '@sms/db';
import { detectProvider, ingestWebhook, parseReport, type DeliveryReport, type WebhookProvider } from '@sms/providers/webhook';
import type { Logger } from 'pino';
import { senderIp, type WebhookRequest } from './context.ts';
import { WebhookError } from './errors.ts';
import { readRawBody } from './form.ts';
import { toWebhookError } from './database-errors.ts';
import { providerWriterFor } from './provider-writer.ts';
import { errorResponse } from './signed-request.ts';

export interface ProviderWebhookContext {
	db: Db;
	log: Logger;
	/** Clock for the 23telecom timestamp window (tests move it). */
	now?: () => number;
}

const OK = () =>
	new Response(JSON.stringify({ success: true }), { status: 200, headers: { 'content-type': 'application/json' } });

/** The secrets to check against, looked up before verification (the check itself is pure). */
async function secretsFor(db: Db, rawBody: string): Promise<{ provider: WebhookProvider; secrets: string[] } | null> {
	let payload: unknown;
	try {
		payload = JSON.parse(rawBody);
	} catch {
		return null;
	}
	const provider = detectProvider(payload);
	if (!provider) return null;
	const reference = parseReport(provider, payload as Record<string, unknown>).reference;
	// Batched with the lookups of callbacks arriving together (one round trip for all of them).
	return { provider, secrets: await providerWriterFor(db.service).secretsFor(provider, reference) };
}

/** Stored with the reports arriving together, one commit for all (ProviderCallbackWriter). */
function applyReport(db: Db, report: DeliveryReport, ip: string | null): Promise<Record<string, unknown>> {
	return providerWriterFor(db.service).apply(report, ip);
}

/**
 * POST /api/webhooks/sms — delivery reports of the HTTP providers (seed 001 §2, done better):
 * every report we can keep is kept (unknown shapes and early reports too); a failed signature
 * check is answered 200 like a success (the sender learns nothing) but stores only a counter
 * and a rejected row; 413 over 64 KB, 400 for non-JSON, 503 only when nothing could be stored.
 */
export async function handleProviderCallback(ctx: ProviderWebhookContext, req: WebhookRequest): Promise<Response> {
	const ip = senderIp(req.clientAddress);
	try {
		const rawBody = await readRawBody(req.request);
		const lookup = await secretsFor(ctx.db, rawBody);
		const result = ingestWebhook({
			rawBody,
			headers: req.request.headers,
			query: req.url.searchParams,
			secretsFor: (provider) => (lookup && lookup.provider === provider ? lookup.secrets : []),
			now: (ctx.now ?? Date.now)()
		});
		switch (result.kind) {
			case 'invalid':
				throw new WebhookError('malformed_body', result.message);
			case 'unknown_shape': {
				const [row] = await ctx.db.service<{ id: string }[]>`
					select public.record_unmatched_callback(${JSON.stringify(sealPayload(phoneCipher(), result.payload))}::text::jsonb, ${ip}::inet) as id`;
				ctx.log.info({ eventId: row?.id, ip }, 'delivery callback of unknown shape kept as unmatched');
				return OK();
			}
			case 'rejected':
				await ctx.db.service`select public.record_webhook_rejection(${result.provider}, ${result.reason}, ${result.reference}, ${ip}::inet)`;
				ctx.log.warn({ provider: result.provider, reason: result.reason, reference: result.reference, ip }, 'delivery callback failed verification');
				return OK();
			case 'report': {
				const applied = await applyReport(ctx.db, result.report, ip);
				ctx.log.debug({ provider: result.report.provider, reference: result.report.reference, status: result.report.status, applied }, 'delivery callback stored');
				return OK();
			}
		}
	} catch (caught) {
		const error = toWebhookError(caught);
		ctx.log[error.status >= 500 ? 'error' : 'warn']({ code: error.code, err: error.cause ?? undefined, ip }, error.message);
		return errorResponse(error);
	}
}
