import type { WebhookContext, WebhookRequest } from './context.ts';
import { toWebhookError } from './database-errors.ts';
import type { WebhookError } from './errors.ts';
import { parseTwilioForm, readRawBody } from './form.ts';
import { receiptFor, type Receipt } from './replay.ts';
import { assertTwilioSignature } from './signature.ts';

/**
 * The fields of a Twilio webhook, read only once its signature checks out (an unsigned request
 * learns nothing and changes nothing), and the callback's receipt for replay checks (replay.ts).
 */
export async function readSignedCallback(
	ctx: WebhookContext,
	req: WebhookRequest,
	endpoint: Receipt['endpoint']
): Promise<{ fields: Record<string, string>; receipt: Receipt }> {
	const rawBody = await readRawBody(req.request);
	assertTwilioSignature({
		authToken: ctx.authToken,
		publicBaseUrl: ctx.publicBaseUrl,
		url: req.url,
		headers: req.request.headers,
		rawBody
	});
	const fields = parseTwilioForm({ contentType: req.request.headers.get('content-type'), rawBody });
	return { fields, receipt: receiptFor({ endpoint, url: req.url, headers: req.request.headers, rawBody }) };
}

export function errorResponse(error: WebhookError): Response {
	return new Response(error.message, {
		status: error.status,
		headers: {
			'content-type': 'text/plain; charset=utf-8',
			...(error.status === 503 ? { 'retry-after': '5' } : {})
		}
	});
}

/** Any failure of a webhook: logged once, answered 4xx (Twilio gives up) or 503 (it retries). */
export function webhookFailure(ctx: WebhookContext, req: WebhookRequest, caught: unknown): Response {
	const error = toWebhookError(caught);
	const level = error.status >= 500 ? 'error' : 'warn';
	ctx.log[level]({ code: error.code, err: error.cause ?? undefined, path: req.url.pathname }, error.message);
	return errorResponse(error);
}
