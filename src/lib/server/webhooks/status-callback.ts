import type { WebhookContext, WebhookRequest } from './context.ts';
import { senderIp } from './context.ts';
import { toWebhookError } from './database-errors.ts';
import { WebhookError } from './errors.ts';
import { parseTwilioForm, readRawBody } from './form.ts';
import { assertTwilioSignature } from './signature.ts';
import { parseStatusReport, type StatusReport } from './status-report.ts';
import { statusWriterFor, type ApplyResult } from './status-writer.ts';

/**
 * Appends the report to the event log and moves the message forward (all in SQL), batched with
 * reports arriving at the same moment (see StatusWriter).
 */
export function applyStatusReport(options: {
	db: WebhookContext['db'];
	report: StatusReport;
	senderIp: string | null;
}): Promise<ApplyResult> {
	return statusWriterFor(options.db.sql).apply(options.report, options.senderIp);
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

/**
 * POST /api/webhooks/twilio/status. Order matters: the signature is checked before anything
 * is parsed or written, so an unsigned request learns nothing and changes nothing.
 */
export async function handleStatusCallback(ctx: WebhookContext, req: WebhookRequest): Promise<Response> {
	try {
		const rawBody = await readRawBody(req.request);
		assertTwilioSignature({
			authToken: ctx.authToken,
			publicBaseUrl: ctx.publicBaseUrl,
			url: req.url,
			headers: req.request.headers,
			rawBody
		});
		const report = parseStatusReport(
			parseTwilioForm({ contentType: req.request.headers.get('content-type'), rawBody })
		);
		try {
			const result = await applyStatusReport({ db: ctx.db, report, senderIp: senderIp(req.clientAddress) });
			ctx.log.debug({ sid: report.sid, status: report.status, result }, 'status callback applied');
		} catch (cause) {
			throw toWebhookError(cause);
		}
		return new Response(null, { status: 200 });
	} catch (caught) {
		const error = toWebhookError(caught);
		const level = error.status >= 500 ? 'error' : 'warn';
		ctx.log[level]({ code: error.code, err: error.cause ?? undefined, path: req.url.pathname }, error.message);
		return errorResponse(error);
	}
}
