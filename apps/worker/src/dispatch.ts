import { decideFailover, type ProviderId, type ProviderResult, type ProviderText } from '@sms/providers';
import type { Logger } from 'pino';
import type { JobOutcome, PipelineDeps } from './deps.ts';
import { isTransientDbError } from './errors.ts';
import { classifyProviderFailure, handleSendFailure, storeFailure, unexpectedFailure } from './send-failure.ts';
import { storedSendResult } from './send-result.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/**
 * Sends one `dispatching` text through its route, starting with `route[0]` (whose attempt
 * sms_begin_provider_dispatch opened). On failure decideFailover says what next; the text moves
 * to the next provider only when the failed one certainly did not accept it ('no'), and only
 * after that attempt is closed and the next one opened in the database (sms_start_attempt
 * refuses while any attempt is open). So whatever is killed, and whenever, a recovery knows
 * every provider that may have the text, and no text is sent by two providers.
 */
export async function dispatchText(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, route: readonly ProviderId[], log: Logger): Promise<JobOutcome> {
	const tried = new Set<ProviderId>();
	let provider = route[0]!;
	for (;;) {
		tried.add(provider);
		const started = performance.now();
		let result: ProviderResult<ProviderText>;
		try {
			result = await deps.providers.adapter(ctx.organizationId, provider).send({
				to: ctx.phoneNumber,
				body: ctx.body,
				callbackUrl: provider === 'twilio' ? deps.statusCallbackUrl : deps.providerCallbackUrl,
				idempotencyKey: ctx.messageId
			});
		} catch (error) {
			// A bug or an unexpected throw after the request left: treat as "may have been sent".
			return handleSendFailure(deps, job, ctx, unexpectedFailure(provider, error), log);
		}
		deps.metrics.sendLatency.observe((performance.now() - started) / 1000);
		if (result.ok) {
			deps.health.succeeded(ctx.organizationId, provider);
			return accepted(deps, job, ctx, provider, result.value, log);
		}
		const error = result.error;
		deps.metrics.providerErrors.inc({ provider, kind: error.kind });
		const outages = deps.health.failed(ctx.organizationId, provider, error);
		const decision = decideFailover({ error, route, tried, outages, threshold: deps.health.threshold });
		if (decision.action !== 'failover') {
			return handleSendFailure(deps, job, ctx, classifyProviderFailure(error, decision, route), log);
		}
		await deps.store.finishAttempt(ctx.messageId, provider, 'refused', error);
		if (!(await deps.store.startAttempt(ctx.messageId, decision.next))) {
			// Someone else settled the text meanwhile (our lease ran out): theirs to finish.
			log.warn({ provider, next: decision.next }, 'text no longer ours to fail over: given back');
			return 'release';
		}
		deps.metrics.failovers.inc({ from: provider, to: decision.next });
		log.warn({ provider, next: decision.next, code: error.code, err: error.message }, 'provider unavailable: failing over');
		provider = decision.next;
	}
}

async function accepted(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, provider: ProviderId, answer: ProviderText, log: Logger): Promise<JobOutcome> {
	await deps.failpoint?.('after_send');
	try {
		await deps.attach({ jobId: job.id, messageId: ctx.messageId, result: storedSendResult(provider, ctx.body, answer) });
	} catch (error) {
		// The provider has it but we could not store the reference: the text stays `dispatching`,
		// its attempt open, and the recovery finds it there. A deadlock or serialization failure
		// is the database's, not the provider's: the job runs again at once, no attempt spent.
		if (isTransientDbError(error)) throw error;
		return handleSendFailure(deps, job, ctx, storeFailure(provider, error), log);
	}
	deps.metrics.sent.inc();
	log.debug({ provider, reference: answer.reference }, 'sent');
	return 'sent';
}
