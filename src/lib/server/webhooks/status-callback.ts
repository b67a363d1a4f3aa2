import type { WebhookContext, WebhookRequest } from './context.ts';
import { senderIp } from './context.ts';
import { alreadyReceived, recordReceipt } from './replay.ts';
import { readSignedCallback, webhookFailure } from './signed-request.ts';
import { parseStatusReport, type StatusReport } from './status-report.ts';
import { statusWriterFor, type ApplyResult } from './status-writer.ts';

/**
 * Appends the report to the event log and moves the message forward (all in SQL), batched with
 * reports arriving at the same moment (see StatusWriter).
 */
function applyStatusReport(options: {
	db: WebhookContext['db'];
	report: StatusReport;
	senderIp: string | null;
}): Promise<ApplyResult> {
	return statusWriterFor(options.db.service).apply(options.report, options.senderIp);
}

/** POST /api/webhooks/twilio/status. */
export async function handleStatusCallback(ctx: WebhookContext, req: WebhookRequest): Promise<Response> {
	try {
		const { fields, receipt } = await readSignedCallback(ctx, req, 'status');
		const report = parseStatusReport(fields);
		if (await alreadyReceived(ctx.db, receipt)) {
			ctx.log.info({ sid: report.sid, status: report.status }, 'status callback replayed: already applied');
			return new Response(null, { status: 200 });
		}
		const result = await applyStatusReport({ db: ctx.db, report, senderIp: senderIp(req.clientAddress) });
		await recordReceipt(ctx.db, receipt);
		ctx.log.debug({ sid: report.sid, status: report.status, result }, 'status callback applied');
		return new Response(null, { status: 200 });
	} catch (caught) {
		return webhookFailure(ctx, req, caught);
	}
}
