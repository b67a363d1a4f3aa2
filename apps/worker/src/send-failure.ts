import { redactPhoneNumbers } from '@sms/db';
import type { FailoverDecision, ProviderError, ProviderId } from '@sms/providers';
import { explainError, TwilioServiceError } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { effectiveMaxAttempts, retryTime, type JobOutcome, type PipelineDeps } from './deps.ts';
import { attachFound, lookUpInterrupted } from './recovery.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/**
 * What a failed provider call means for the text:
 * - permanent: refused for good (bad number, opted out, content refused);
 * - not_sent: the provider certainly did not take it (429, 503, a refused account …): retry later;
 * - ambiguous: it may have taken it (timeout, reset, 500/502/504, or our own error after the
 *   request left): the text stays `dispatching` and every provider it may be at is asked
 *   before anything else happens to it (recovery.ts).
 */
export type FailureKind = 'permanent' | 'not_sent' | 'ambiguous';

export interface SendFailure {
	provider: ProviderId;
	kind: FailureKind;
	/** Twilio's numeric error code (shown with its explanation); null for the HTTP providers. */
	code: number | null;
	message: string;
	/** For the job's last_error: "<provider code>: <message>". */
	label: string;
	/** For the text's timeline: the port's error, when the provider answered at all. */
	error: ProviderError | null;
}

/**
 * Today's Twilio rule, unchanged: a workspace without a provider list sends through Twilio
 * alone, and there a non-retryable Twilio error (account-level ones included) fails the text.
 */
export function classifyTwilioFailure(error: unknown): SendFailure {
	const twilioError = error instanceof TwilioServiceError ? error : null;
	const code = typeof twilioError?.code === 'number' ? twilioError.code : null;
	// Stored (error_message, last_error) and logged: a provider's message may quote the number.
	const message = redactPhoneNumbers(error instanceof Error ? error.message : String(error));
	const label = `${twilioError?.code ?? 'error'}: ${message}`;
	const base = { provider: 'twilio' as const, code, message, label, error: null };
	if (twilioError && !twilioError.retryable) return { ...base, kind: 'permanent' };
	const status = twilioError?.status ?? null;
	const definitelyNotSent = status !== null && status !== 500 && status !== 502 && status !== 504;
	return { ...base, kind: definitelyNotSent ? 'not_sent' : 'ambiguous' };
}

/** A failed call through the port, after decideFailover did not fail it over. */
export function classifyProviderFailure(error: ProviderError, decision: FailoverDecision, route: readonly ProviderId[]): SendFailure {
	if (error.provider === 'twilio' && route.length <= 1 && error.cause instanceof TwilioServiceError) {
		return { ...classifyTwilioFailure(error.cause), error };
	}
	const code = error.provider === 'twilio' && typeof error.code === 'number' ? error.code : null;
	const message = redactPhoneNumbers(error.message);
	const label = `${error.provider} ${error.code ?? error.kind}: ${message}`;
	const kind: FailureKind =
		decision.action === 'fail' ? 'permanent' : decision.action === 'look_up' || error.accepted !== 'no' ? 'ambiguous' : 'not_sent';
	return { provider: error.provider, kind, code, message, label, error };
}

/** Something threw where the port promises an answer (a bug, or our own error after the call): may have been sent. */
export function unexpectedFailure(provider: ProviderId, error: unknown): SendFailure {
	const message = redactPhoneNumbers(error instanceof Error ? error.message : String(error));
	return { provider, kind: 'ambiguous', code: null, message, label: `${provider} error: ${message}`, error: null };
}

/** The provider accepted the text but storing its answer failed: our error, and the text may be sent. */
export function storeFailure(provider: ProviderId, error: unknown): SendFailure {
	const message = redactPhoneNumbers(error instanceof Error ? error.message : String(error));
	return { provider, kind: 'ambiguous', code: null, message, label: `database error after ${provider} accepted the text: ${message}`, error: null };
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

function retryReason(failure: SendFailure): string {
	if (failure.code) return `retrying: ${explainError(failure.code).title}`;
	return failure.provider === 'twilio' ? `retrying: ${failure.message}` : `retrying: ${failure.provider}: ${failure.message}`;
}

/**
 * After a failed send of a `dispatching` text. Leaving `dispatching` without a reference gives
 * the daily slot back in the same statement (database trigger), so no step here releases it.
 * The attempt is closed first (refused) or left open (unknown): a crash in between leaves
 * nothing a recovery could get wrong.
 */
export async function handleSendFailure(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	failure: SendFailure,
	log: Logger
): Promise<JobOutcome> {
	const exhausted = job.attempts >= effectiveMaxAttempts(deps, job);
	const base = { jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId };
	await deps.store.finishAttempt(ctx.messageId, failure.provider, failure.kind === 'ambiguous' ? 'unknown' : 'refused', failure.error, failure.message);

	if (failure.kind === 'permanent') {
		// The recipient opted out at the provider (Twilio 21610, or the port says so): record the
		// number's STOP, so later texts to it are suppressed before any provider is called.
		if (failure.provider === 'twilio' && failure.code === 21610) await deps.store.recordOptOut(ctx.phoneNumber, 'twilio_21610');
		else if (failure.error?.recipientOptedOut) await deps.store.recordOptOut(ctx.phoneNumber, 'provider_opt_out');
		const message = failure.provider === 'twilio' ? failure.message : `${failure.provider} refused it: ${failure.message}`;
		await deps.store.failMessage({ ...base, errorCode: failure.code, errorMessage: message, jobError: failure.label });
		deps.metrics.failed.inc({ reason: String(failure.code ?? failure.error?.code ?? 'unknown') });
		log.warn({ provider: failure.provider, code: failure.code, err: failure.message }, 'rejected by the provider: failed without retry');
		return 'failed';
	}

	if (failure.kind === 'not_sent') {
		if (exhausted) return giveUp(deps, job, ctx, failure, log);
		const runAt = retryTime(deps, job);
		await deps.store.retryLater({ ...base, error: failure.label, runAt, reason: retryReason(failure) });
		deps.metrics.retried.inc();
		log.info({ provider: failure.provider, code: failure.code, attempt: job.attempts, runAt: runAt.toISOString() }, 'transient error: retry scheduled');
		return 'retried';
	}

	// Ambiguous: the provider may have accepted it. The text stays `dispatching` (and keeps its
	// slot); the next attempt asks the provider before anything else, never another provider.
	if (exhausted) {
		const lookup = await lookUpInterrupted(deps, ctx, log);
		if (lookup.kind === 'found') return attachFound(deps, job, ctx, lookup.provider, lookup.text, log);
		if (lookup.kind === 'not_found') return giveUp(deps, job, ctx, failure, log);
	}
	const runAt = new Date(Math.max(retryTime(deps, job).getTime(), deps.now().getTime() + deps.settleMs));
	const status = await deps.store.retryJob(job.id, deps.workerId, failure.label, runAt);
	deps.metrics.retried.inc();
	log.warn(
		{ provider: failure.provider, code: failure.code, err: failure.message, runAt: runAt.toISOString(), job: status },
		'no clear answer from the provider: will check before resending'
	);
	return 'retried';
}
