import type { ProviderId, ProviderResult, ProviderText } from '@sms/providers';
import type { Logger } from 'pino';
import { effectiveMaxAttempts, retryTime, type JobOutcome, type PipelineDeps } from './deps.ts';
import { storedSendResult } from './send-result.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/** What the providers know about an interrupted attempt. */
export type Lookup =
	| { kind: 'found'; provider: ProviderId; text: ProviderText }
	| { kind: 'not_found' }
	/** Several texts none of ours claims: we cannot tell which one this attempt created. */
	| { kind: 'ambiguous'; references: string[] }
	| { kind: 'unreachable'; error: string };

type One = { kind: 'found'; texts: ProviderText[] } | { kind: 'unreachable'; error: string };

/** One provider's answer: every text it has that an earlier attempt may have created, less those stored on another of our texts. */
async function askProvider(deps: PipelineDeps, ctx: SendContext, provider: ProviderId): Promise<One> {
	let answer: ProviderResult<ProviderText[]>;
	try {
		answer = await deps.providers.adapter(ctx.organizationId, provider).findDispatched({
			reference: ctx.provider === provider ? ctx.providerReference : null,
			idempotencyKey: ctx.messageId,
			to: ctx.phoneNumber,
			body: ctx.body,
			since: ctx.dispatchedAt ?? new Date(0)
		});
	} catch (error) {
		return { kind: 'unreachable', error: `${provider}: ${error instanceof Error ? error.message : String(error)}` };
	}
	if (!answer.ok) return { kind: 'unreachable', error: `${provider}: ${answer.error.message}` };
	// Outside the try: a database error is ours, not the provider's (the worker retries it as such).
	const stored = await deps.store.storedReferences(provider, answer.value.map((t) => t.reference));
	return { kind: 'found', texts: answer.value.filter((t) => !stored.has(t.reference)) };
}

/**
 * Did an earlier attempt at this text reach a provider? Asks every provider with an open
 * attempt (by reference when one was stored, else by our client reference — HTTP providers —
 * or, for Twilio, every message to that number with the same body since the attempt began).
 * Writes nothing. A text without any attempt was dispatched before attempts existed: Twilio.
 */
export async function lookUpInterrupted(deps: PipelineDeps, ctx: SendContext, log: Logger): Promise<Lookup> {
	const attempts = await deps.store.openAttempts(ctx.messageId);
	const providers = attempts.recorded ? attempts.providers : [ctx.provider ?? 'twilio'];
	const found: { provider: ProviderId; text: ProviderText }[] = [];
	const errors: string[] = [];
	for (const provider of providers) {
		const one = await askProvider(deps, ctx, provider);
		if (one.kind === 'unreachable') errors.push(one.error);
		else for (const text of one.texts) found.push({ provider, text });
	}
	if (found.length > 1) return { kind: 'ambiguous', references: found.map((f) => f.text.reference) };
	// Only one attempt is ever open at a time (failover needs a certain "no"), so a text found
	// at one provider is the text, whatever another one could not answer.
	if (found.length === 1) return { kind: 'found', provider: found[0]!.provider, text: found[0]!.text };
	if (errors.length > 0) {
		log.warn({ err: errors.join('; ') }, 'could not ask the provider about an interrupted send');
		return { kind: 'unreachable', error: errors.join('; ') };
	}
	return { kind: 'not_found' };
}

/** The interrupted attempt reached a provider: store its reference (and any error it reports), never resend. */
export async function attachFound(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	provider: ProviderId,
	found: ProviderText,
	log: Logger
): Promise<JobOutcome> {
	await deps.store.attachAndComplete({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		result: storedSendResult(provider, ctx.body, found)
	});
	if (provider === 'twilio' && found.errorCode !== null) {
		// attach_sms_sid records the status word only; the poll report adds Twilio's error.
		const code = Number(found.errorCode);
		await deps.store.applyPolledStatus({
			sid: found.reference,
			status: found.rawStatus,
			errorCode: Number.isInteger(code) ? code : null,
			errorMessage: found.errorMessage,
			payload: { recovered: true, sid: found.reference, status: found.rawStatus },
			price: found.price === null ? null : String(found.price),
			priceUnit: found.priceUnit
		});
	}
	deps.metrics.recovered.inc();
	log.info({ provider, reference: found.reference }, 'interrupted send had reached the provider: stored, not resent');
	return 'recovered';
}

async function holdForReview(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, references: string[], log: Logger): Promise<JobOutcome> {
	await deps.store.holdForReview({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		candidates: references,
		error: `needs_review: ${references.length} identical texts at the provider (${references.join(', ')}); not sent again`
	});
	deps.metrics.failed.inc({ reason: 'needs_review' });
	log.error({ candidates: references }, 'interrupted send matches several texts at the provider: held for review, not resent');
	return 'needs_review';
}

/**
 * A text left `dispatching` by an attempt that died or got no clear answer. Each step is one
 * transaction and safe to repeat after a crash at any point: the lookup writes nothing; storing
 * a found reference is idempotent; sms_recover_unsent_attempts gives the slot back only while
 * the text still holds it. Returns 'resend' with the text's fresh context when no provider got it.
 */
export async function recoverInterrupted(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	log: Logger
): Promise<JobOutcome | { resend: SendContext }> {
	await deps.providers.refresh([ctx.organizationId]);
	const lookup = await lookUpInterrupted(deps, ctx, log);
	await deps.failpoint?.('after_lookup');
	if (lookup.kind === 'found') return attachFound(deps, job, ctx, lookup.provider, lookup.text, log);
	if (lookup.kind === 'ambiguous') return holdForReview(deps, job, ctx, lookup.references, log);
	if (lookup.kind === 'unreachable') {
		// The provider cannot be asked right now; sending anywhere could double-send, so wait.
		const label = `could not confirm an interrupted send with the provider: ${lookup.error}`;
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
	// No provider got it: the slot goes back and the text is sendable again, in one step.
	await deps.store.recoverUnsent(ctx.messageId);
	await deps.failpoint?.('after_recover_unsent');
	if (deps.isStopping()) return 'release';
	const fresh = (await deps.store.loadContexts([ctx.messageId], deps.now())).get(ctx.messageId);
	if (!fresh) return 'skipped';
	log.info('interrupted send never reached a provider: sending again');
	return { resend: fresh };
}
