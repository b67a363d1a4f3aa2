import type { TwilioMessage } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { effectiveMaxAttempts, retryTime, type JobOutcome, type PipelineDeps } from './deps.ts';
import { priceText, storedSendResult } from './send-result.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/** What Twilio knows about an interrupted attempt. */
export type Lookup =
	| { kind: 'found'; message: TwilioMessage }
	| { kind: 'not_found' }
	/** Several identical texts none of ours claims: we cannot tell which one this attempt created. */
	| { kind: 'ambiguous'; sids: string[] }
	| { kind: 'unreachable'; error: string };

/**
 * Did an earlier attempt at this text reach Twilio? By SID when one was stored; otherwise every
 * message Twilio has to that number with the same body and sender since the attempt began
 * (SMSService.findDispatched pages through all of them), less those already stored on another
 * of our texts.
 */
export async function lookupAtTwilio(deps: PipelineDeps, ctx: SendContext, log: Logger): Promise<Lookup> {
	try {
		if (ctx.twilioSid) {
			const m = await deps.sms.fetchMessage(ctx.twilioSid);
			return m ? { kind: 'found', message: m } : { kind: 'not_found' };
		}
		const candidates = await deps.sms.findDispatched({
			to: ctx.phoneNumber,
			body: ctx.body,
			since: ctx.dispatchedAt ?? new Date(0)
		});
		const stored = await deps.store.storedSids(candidates.map((c) => c.sid));
		const free = candidates.filter((c) => !stored.has(c.sid));
		if (free.length === 0) return { kind: 'not_found' };
		if (free.length === 1) return { kind: 'found', message: free[0]! };
		return { kind: 'ambiguous', sids: free.map((c) => c.sid) };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		log.warn({ err: message }, 'could not ask Twilio about an interrupted send');
		return { kind: 'unreachable', error: message };
	}
}

/** The interrupted attempt reached Twilio: store its SID (and any error it reports), never resend. */
export async function attachFound(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, found: TwilioMessage, log: Logger): Promise<JobOutcome> {
	await deps.store.attachAndComplete({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		result: storedSendResult(ctx.body, found)
	});
	if (found.errorCode !== null) {
		// attach_sms_sid records the status word only; the poll report adds Twilio's error.
		await deps.store.applyPolledStatus({
			sid: found.sid,
			status: found.status,
			errorCode: found.errorCode,
			errorMessage: found.errorMessage,
			payload: { recovered: true, sid: found.sid, status: found.status },
			price: priceText(found.price),
			priceUnit: found.priceUnit
		});
	}
	deps.metrics.recovered.inc();
	log.info({ sid: found.sid }, 'interrupted send had reached Twilio: stored, not resent');
	return 'recovered';
}

async function holdForReview(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, sids: string[], log: Logger): Promise<JobOutcome> {
	await deps.store.holdForReview({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		candidates: sids,
		error: `needs_review: ${sids.length} identical texts at Twilio (${sids.join(', ')}); not sent again`
	});
	deps.metrics.failed.inc({ reason: 'needs_review' });
	log.error({ candidates: sids }, 'interrupted send matches several texts at Twilio: held for review, not resent');
	return 'needs_review';
}

/**
 * A text left `dispatching` by an attempt that died or got no answer. Each step is one
 * transaction and safe to repeat after a crash at any point: the lookup writes nothing; storing
 * a found SID is idempotent; sms_recover_unsent gives the slot back only while the text still
 * holds it. Returns 'resend' with the text's fresh context when Twilio never got it.
 */
export async function recoverInterrupted(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	log: Logger
): Promise<JobOutcome | { resend: SendContext }> {
	const lookup = await lookupAtTwilio(deps, ctx, log);
	await deps.failpoint?.('after_lookup');
	if (lookup.kind === 'found') return attachFound(deps, job, ctx, lookup.message, log);
	if (lookup.kind === 'ambiguous') return holdForReview(deps, job, ctx, lookup.sids, log);
	if (lookup.kind === 'unreachable') {
		// Twilio cannot be asked right now; sending blindly could double-send, so wait.
		const label = `could not confirm an interrupted send with Twilio: ${lookup.error}`;
		if (job.attempts >= effectiveMaxAttempts(deps, job)) {
			await deps.store.failJob(job.id, deps.workerId, label);
			deps.metrics.failed.inc({ reason: 'unconfirmed' });
			log.error('interrupted send could not be confirmed; job dead-lettered, message left dispatching');
			return 'failed';
		}
		await deps.store.retryJob(job.id, deps.workerId, label, retryTime(deps, job));
		deps.metrics.retried.inc();
		return 'retried';
	}
	// Twilio never got it: the slot goes back and the text is sendable again, in one step.
	await deps.store.recoverUnsent(ctx.messageId);
	await deps.failpoint?.('after_recover_unsent');
	if (deps.isStopping()) return 'release';
	const fresh = (await deps.store.loadContexts([ctx.messageId], deps.now())).get(ctx.messageId);
	if (!fresh) return 'skipped';
	log.info('interrupted send never reached Twilio: sending again');
	return { resend: fresh };
}
