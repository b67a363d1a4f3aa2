import { redactPhoneNumbers } from '@sms/db';
import { explainError, TwilioServiceError } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { effectiveMaxAttempts, retryTime, type JobOutcome, type PipelineDeps } from './deps.ts';
import { attachFound, lookupAtTwilio } from './recovery.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/**
 * What a failed Twilio call means for the text:
 * - permanent: Twilio refused it for good (catalogue `retryable: false`);
 * - not_sent: a transient answer after which Twilio certainly did not create it (429, 503, 4xx);
 * - ambiguous: Twilio may have created it (timeout, reset, 500/502/504, or our own error after
 *   the request left): the text stays `dispatching` and is looked up before any resend.
 */
export type FailureKind = 'permanent' | 'not_sent' | 'ambiguous';

export interface SendFailure {
	kind: FailureKind;
	code: number | null;
	message: string;
	/** For the job's last_error: "<code>: <message>". */
	label: string;
}

export function classifySendFailure(error: unknown): SendFailure {
	const twilioError = error instanceof TwilioServiceError ? error : null;
	const code = typeof twilioError?.code === 'number' ? twilioError.code : null;
	// Stored (error_message, last_error) and logged: a provider's message may quote the number.
	const message = redactPhoneNumbers(error instanceof Error ? error.message : String(error));
	const label = `${twilioError?.code ?? 'error'}: ${message}`;
	if (twilioError && !twilioError.retryable) return { kind: 'permanent', code, message, label };
	const status = twilioError?.status ?? null;
	const definitelyNotSent = status !== null && status !== 500 && status !== 502 && status !== 504;
	return { kind: definitelyNotSent ? 'not_sent' : 'ambiguous', code, message, label };
}

async function giveUp(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, failure: SendFailure, log: Logger): Promise<JobOutcome> {
	const text = `Gave up after ${job.attempts} attempts: ${failure.message}`;
	await deps.store.failMessage({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		errorCode: failure.code,
		errorMessage: text,
		jobError: `retries_exhausted: ${text}`
	});
	deps.metrics.failed.inc({ reason: 'retries_exhausted' });
	log.warn({ code: failure.code, attempts: job.attempts }, 'retries exhausted: failed');
	return 'failed';
}

/**
 * After a failed send of a `dispatching` text. Leaving `dispatching` without a SID gives the
 * daily slot back in the same statement (database trigger), so no step here releases it.
 */
export async function handleSendFailure(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	error: unknown,
	log: Logger
): Promise<JobOutcome> {
	const failure = classifySendFailure(error);
	const exhausted = job.attempts >= effectiveMaxAttempts(deps, job);
	const base = { jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId };

	if (failure.kind === 'permanent') {
		if (failure.code === 21610) await deps.store.recordOptOut(ctx.phoneNumber);
		await deps.store.failMessage({ ...base, errorCode: failure.code, errorMessage: failure.message, jobError: failure.label });
		deps.metrics.failed.inc({ reason: String(failure.code ?? 'unknown') });
		log.warn({ code: failure.code, err: failure.message }, 'rejected by Twilio: failed without retry');
		return 'failed';
	}

	if (failure.kind === 'not_sent') {
		if (exhausted) return giveUp(deps, job, ctx, failure, log);
		const runAt = retryTime(deps, job);
		const reason = `retrying: ${failure.code ? explainError(failure.code).title : failure.message}`;
		await deps.store.retryLater({ ...base, error: failure.label, runAt, reason });
		deps.metrics.retried.inc();
		log.info({ code: failure.code, attempt: job.attempts, runAt: runAt.toISOString() }, 'transient error: retry scheduled');
		return 'retried';
	}

	// Ambiguous: Twilio may have accepted it. The text stays `dispatching` (and keeps its slot);
	// the next attempt looks it up before sending again.
	if (exhausted) {
		const lookup = await lookupAtTwilio(deps, ctx, log);
		if (lookup.kind === 'found') return attachFound(deps, job, ctx, lookup.message, log);
		if (lookup.kind === 'not_found') return giveUp(deps, job, ctx, failure, log);
	}
	const runAt = new Date(Math.max(retryTime(deps, job).getTime(), deps.now().getTime() + deps.settleMs));
	const status = await deps.store.retryJob(job.id, deps.workerId, failure.label, runAt);
	deps.metrics.retried.inc();
	log.warn({ code: failure.code, err: failure.message, runAt: runAt.toISOString(), job: status }, 'no answer from Twilio: will check before resending');
	return 'retried';
}
