import { destinationCountry, type ProviderId } from '@sms/providers';
import { decideDelivery, type Decision } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { messageIdOf, type JobOutcome, type PipelineDeps } from './deps.ts';
import { dispatchText } from './dispatch.ts';
import { recoverInterrupted } from './recovery.ts';
import type { DispatchStart } from './store.ts';
import type { ClaimedJob, SendContext } from './types.ts';

export { messageIdOf, type JobOutcome, type PipelineDeps } from './deps.ts';

/**
 * The send path, one entry: a claimed batch → its contexts (loaded by the caller in one query)
 * → one decision per text (policy, slot, provider route) → the texts to send reserve their
 * daily slots, become `dispatching` and open an attempt at their first provider together (one
 * transaction, before any provider call) → each is sent through the port (dispatch.ts, with
 * failover) → the provider's answer is attached (batched). The rules that make it safe:
 * - a text found `dispatching` is looked up at every provider it may be at before any resend (recovery.ts);
 * - a daily slot belongs to the text that reserved it and goes back, in the same statement,
 *   whenever the text leaves `dispatching` without a SID (so never twice);
 * - a failed call is classified once (send-failure.ts): permanent, certainly not sent, or
 *   ambiguous (the text keeps its slot until a lookup settles it).
 */
export function processBatch(deps: PipelineDeps, jobs: ClaimedJob[], contexts: Map<string, SendContext>): Promise<JobOutcome>[] {
	const now = deps.now();
	const plans = jobs.map((job) => plan(deps, job, contexts, now));
	const sends = plans.filter((p): p is SendPlan => p.kind === 'send');
	const started = sends.length ? begin(deps, sends) : Promise.resolve(new Map<string, DispatchStart>());
	return plans.map((p) => (p.kind === 'send' ? started.then((map) => afterBegin(deps, p, map.get(p.ctx.messageId))) : p.run()));
}

/** Routes the texts (their workspaces' settings, at most a TTL old) and begins those that have a provider. */
async function begin(deps: PipelineDeps, sends: SendPlan[]): Promise<Map<string, DispatchStart>> {
	await deps.providers.refresh(sends.map((p) => p.ctx.organizationId));
	for (const p of sends) p.route = deps.health.order(p.ctx.organizationId, deps.providers.route(p.ctx.organizationId, p.ctx.phoneNumber));
	const routed = sends.filter((p) => p.route.length > 0);
	return routed.length ? deps.store.beginDispatch(routed.map(dispatchRow(deps))) : new Map();
}

interface SendPlan {
	kind: 'send';
	job: ClaimedJob;
	ctx: SendContext;
	decision: Extract<Decision, { action: 'send' }>;
	log: Logger;
	now: Date;
	/** The providers to try, in order (set by begin()). */
	route: ProviderId[];
}
type Plan = SendPlan | { kind: 'other'; run: () => Promise<JobOutcome> };

const isUrgent = (ctx: SendContext) => ctx.bypassesQuietHours || ctx.priority === 'urgent';
const limitFor = (deps: PipelineDeps, ctx: SendContext) => (isUrgent(ctx) ? deps.hardDailyCap : Math.min(ctx.dailyLimit, deps.hardDailyCap));
const dispatchRow = (deps: PipelineDeps) => (p: SendPlan) => ({
	messageId: p.ctx.messageId,
	localDate: p.decision.localDate,
	limit: limitFor(deps, p.ctx),
	provider: p.route[0]!
});

function decide(deps: PipelineDeps, ctx: SendContext, now: Date, usedToday: number): Decision {
	return decideDelivery({
		now,
		prefs: ctx,
		type: { key: ctx.notificationType, bypassesQuietHours: ctx.bypassesQuietHours },
		priority: ctx.priority,
		usedToday,
		hardCap: deps.hardDailyCap
	});
}

/** The one decision per text: what to do with it, before any slot is reserved. */
function plan(deps: PipelineDeps, job: ClaimedJob, contexts: Map<string, SendContext>, now: Date): Plan {
	const messageId = messageIdOf(job);
	const ctx = messageId ? contexts.get(messageId) : undefined;
	const log = deps.logger.child({ jobId: job.id, messageId });
	const other = (run: () => Promise<JobOutcome>): Plan => ({ kind: 'other', run });
	if (!messageId || !ctx) {
		const reason = messageId ? `message ${messageId} does not exist` : 'payload has no message_id';
		return other(async () => {
			log.error({ reason }, 'job dropped');
			await deps.store.failJob(job.id, deps.workerId, reason);
			deps.metrics.failed.inc({ reason: 'bad_job' });
			return 'failed';
		});
	}
	if (ctx.status !== 'dispatching' && ctx.status !== 'pending' && ctx.status !== 'scheduled') {
		// Already accepted, final or canceled (e.g. a duplicate job, or a crash after attach).
		return other(() => skip(deps, job));
	}
	// Sending and recovery both need the number: without it, the job is retried (the key may be back).
	if (ctx.phoneError !== undefined) return other(() => Promise.reject(new Error(`cannot open the recipient's number: ${ctx.phoneError}`)));
	if (ctx.status === 'dispatching') return other(() => recover(deps, job, ctx, log));
	try {
		const decision = decide(deps, ctx, now, ctx.usedToday);
		if (decision.action === 'suppress') return other(() => suppress(deps, job, ctx, decision.reason, log));
		if (decision.action === 'defer') return other(() => defer(deps, job, ctx, decision, log));
		if (deps.isStopping()) return other(async () => 'release');
		return { kind: 'send', job, ctx, decision, log, now, route: [] };
	} catch (error) {
		return other(() => Promise.reject(error));
	}
}

/** The same path for one text (after a recovery found that no provider got it). */
async function decideAndSend(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, log: Logger): Promise<JobOutcome> {
	const p = plan(deps, job, new Map([[ctx.messageId, ctx]]), deps.now());
	if (p.kind !== 'send') return p.run();
	const started = await begin(deps, [p]);
	return afterBegin(deps, p, started.get(ctx.messageId));
}

async function recover(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, log: Logger): Promise<JobOutcome> {
	const result = await recoverInterrupted(deps, job, ctx, log);
	return typeof result === 'string' ? result : decideAndSend(deps, job, result.resend, log);
}

async function afterBegin(deps: PipelineDeps, p: SendPlan, start: DispatchStart | undefined): Promise<JobOutcome> {
	const { job, ctx, log } = p;
	if (p.route.length === 0) return noProvider(deps, job, ctx, log);
	switch (start?.outcome) {
		case 'dispatching':
			await deps.failpoint?.('after_begin_dispatch');
			return dispatchText(deps, job, ctx, p.route, log);
		case 'limit_reached': {
			// Another worker took the last slot since we read the count: same as a full day.
			const full = decide(deps, ctx, p.now, Number.MAX_SAFE_INTEGER);
			if (full.action === 'defer') return defer(deps, job, ctx, full, log);
			throw new Error('policy answered send for a full day');
		}
		case 'not_sendable':
			if (start.previous === 'dispatching') {
				const fresh = (await deps.store.loadContexts([ctx.messageId], deps.now())).get(ctx.messageId);
				if (fresh) return recover(deps, job, fresh, log);
			}
			return skip(deps, job);
		default:
			await deps.store.failJob(job.id, deps.workerId, `message ${ctx.messageId} does not exist`);
			deps.metrics.failed.inc({ reason: 'bad_job' });
			return 'failed';
	}
}

/** The workspace's list leaves no provider for this destination: a person must change the settings. */
async function noProvider(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, log: Logger): Promise<JobOutcome> {
	const country = destinationCountry(ctx.phoneNumber);
	const reason = `no provider of this workspace is enabled for ${country ?? 'this destination'}: check the workspace's provider settings`;
	await deps.store.failMessage({ jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId, errorCode: null, errorMessage: reason, jobError: `no_provider: ${reason}` });
	deps.metrics.failed.inc({ reason: 'no_provider' });
	log.warn({ country }, 'no provider for this destination: failed');
	return 'failed';
}

async function skip(deps: PipelineDeps, job: ClaimedJob): Promise<JobOutcome> {
	await deps.store.completeJob(job.id, deps.workerId);
	return 'skipped';
}

async function suppress(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, reason: string, log: Logger): Promise<JobOutcome> {
	await deps.store.suppress({ jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId, reason });
	deps.metrics.suppressed.inc({ reason });
	log.info({ reason }, 'suppressed');
	return 'suppressed';
}

async function defer(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, decision: Extract<Decision, { action: 'defer' }>, log: Logger): Promise<JobOutcome> {
	await deps.store.defer({ jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId, until: decision.until, reason: decision.reason });
	deps.metrics.deferred.inc({ reason: decision.reason });
	log.info({ reason: decision.reason, until: decision.until.toISOString() }, 'deferred');
	return 'deferred';
}
