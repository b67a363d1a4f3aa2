import {
	decideDelivery,
	explainError,
	localDate,
	segmentInfo,
	TwilioServiceError,
	type Decision,
	type TwilioMessage
} from '@sms/twilio-service';
import type { Logger } from 'pino';
import { nextRunAt } from './backoff.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { SmsSender } from './sms-port.ts';
import type { SendResultRow, WorkerStore } from './store.ts';
import type { ClaimedJob, SendContext } from './types.ts';

/**
 * The life of one send_sms job. The rules that make it safe:
 * - The message is marked `dispatching` BEFORE Twilio is called, so a crash mid-call leaves
 *   a trace; a message found in `dispatching` is looked up at Twilio before any resend.
 * - A daily-limit slot is reserved before `dispatching` and is held while the message is
 *   `dispatching` or accepted. It is given back whenever we KNOW Twilio did not take the
 *   text: a permanent rejection, a definitive transient answer (429/503 …), or a recovery
 *   lookup that finds nothing. After an ambiguous failure (timeout, reset, 500) the slot stays
 *   with the message until the next attempt's lookup settles it.
 */
export interface PipelineDeps {
	store: WorkerStore;
	sms: SmsSender;
	now: () => Date;
	logger: Logger;
	metrics: WorkerMetrics;
	workerId: string;
	statusCallbackUrl: string;
	hardDailyCap: number;
	maxAttempts: number;
	retryBaseMs: number;
	retryMaxMs: number;
	/**
	 * After a call Twilio did not answer, wait at least this long before asking Twilio whether
	 * the text arrived: a request still being processed there would otherwise look "not sent".
	 */
	settleMs: number;
	random?: () => number;
	/** True once shutdown began: a send that has not started is given back instead. */
	isStopping: () => boolean;
	/** Stores Twilio's answer and completes the job (batched across sends by AttachBatcher). */
	attach: (item: { jobId: string; messageId: string; result: SendResultRow }) => Promise<void>;
}

export type JobOutcome =
	| 'sent'
	| 'recovered'
	| 'suppressed'
	| 'deferred'
	| 'retried'
	| 'failed'
	| 'skipped'
	/** Not started because the worker is stopping: the caller gives the job back. */
	| 'release';

/** The id of the message a send_sms job is about, or null for a malformed payload. */
export function messageIdOf(job: ClaimedJob): string | null {
	const payload = job.payload as { message_id?: unknown } | null;
	const id = payload?.message_id;
	return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

const isUrgent = (ctx: SendContext) => ctx.bypassesQuietHours || ctx.priority === 'urgent';

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

const effectiveMaxAttempts = (deps: PipelineDeps, job: ClaimedJob) => Math.min(job.maxAttempts, deps.maxAttempts);

function priceText(price: number | string | null): string | null {
	if (price === null || price === '') return null;
	const n = Math.abs(Number(price));
	return Number.isFinite(n) ? String(n) : null;
}

function rowFromTwilio(m: TwilioMessage, body: string): SendResultRow {
	const info = segmentInfo(body);
	return {
		sid: m.sid,
		providerStatus: m.status,
		segments: m.numSegments && m.numSegments > 0 ? m.numSegments : info.segments,
		encoding: info.encoding,
		price: priceText(m.price),
		priceUnit: m.priceUnit
	};
}

export async function processJob(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext | undefined): Promise<JobOutcome> {
	const messageId = messageIdOf(job);
	const log = deps.logger.child({ jobId: job.id, messageId });
	if (!messageId || !ctx) {
		const reason = messageId ? `message ${messageId} does not exist` : 'payload has no message_id';
		log.error({ reason }, 'job dropped');
		await deps.store.failJob(job.id, deps.workerId, reason);
		deps.metrics.failed.inc({ reason: 'bad_job' });
		return 'failed';
	}
	if (ctx.status === 'dispatching') return recover(deps, job, ctx, log);
	if (ctx.status !== 'pending' && ctx.status !== 'scheduled') {
		// Already accepted, final or canceled (e.g. a duplicate job, or a crash after attach).
		await deps.store.completeJob(job.id, deps.workerId);
		return 'skipped';
	}
	return decideAndSend(deps, job, ctx, log);
}

type Prepared =
	| { kind: 'single'; run: () => Promise<JobOutcome> }
	| { kind: 'send'; job: ClaimedJob; ctx: SendContext; decision: Extract<Decision, { action: 'send' }>; log: Logger; now: Date };

/**
 * A claimed batch: suppressions, deferrals and recoveries run one by one; the texts to send
 * reserve their daily slots and become `dispatching` together in one statement, then each is
 * sent on its own. Returns one promise per job, in order.
 */
export function processBatch(deps: PipelineDeps, jobs: ClaimedJob[], contexts: Map<string, SendContext>): Promise<JobOutcome>[] {
	const now = deps.now();
	const prepared: Prepared[] = jobs.map((job) => {
		const messageId = messageIdOf(job);
		const ctx = messageId ? contexts.get(messageId) : undefined;
		if (!ctx || (ctx.status !== 'pending' && ctx.status !== 'scheduled')) {
			return { kind: 'single', run: () => processJob(deps, job, ctx) };
		}
		const log = deps.logger.child({ jobId: job.id, messageId });
		try {
			const decision = decide(deps, ctx, now, ctx.usedToday);
			if (decision.action !== 'send') return { kind: 'single', run: () => decideAndSend(deps, job, ctx, log) };
			if (deps.isStopping()) return { kind: 'single', run: async () => 'release' as const };
			return { kind: 'send', job, ctx, decision, log, now };
		} catch (error) {
			return { kind: 'single', run: () => Promise.reject(error) };
		}
	});
	const sends = prepared.filter((p): p is Extract<Prepared, { kind: 'send' }> => p.kind === 'send');
	const reserved = sends.length
		? deps.store.reserveAndDispatch(
				sends.map((p) => ({ messageId: p.ctx.messageId, userId: p.ctx.userId, localDate: p.decision.localDate, limit: limitFor(deps, p.ctx) }))
			)
		: Promise.resolve(new Map<string, { reserved: boolean; previous: SendContext['status'] | null }>());
	return prepared.map((p) => {
		if (p.kind === 'single') return p.run();
		return reserved.then((map) => {
			const r = map.get(p.ctx.messageId);
			return afterReserve(deps, p.job, p.ctx, p.decision.localDate, p.now, r?.reserved ?? false, r?.previous ?? null, p.log);
		});
	});
}

const limitFor = (deps: PipelineDeps, ctx: SendContext) =>
	isUrgent(ctx) ? deps.hardDailyCap : Math.min(ctx.dailyLimit, deps.hardDailyCap);

/** After the slot reservation and the `dispatching` mark: send, or explain why not. */
async function afterReserve(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	day: string,
	now: Date,
	reserved: boolean,
	previous: SendContext['status'] | null,
	log: Logger
): Promise<JobOutcome> {
	if (!reserved) {
		// Another worker took the last slot since we read the count: same as a full day.
		const full = decide(deps, ctx, now, Number.MAX_SAFE_INTEGER);
		if (full.action === 'defer') return defer(deps, job, ctx, full, log);
		throw new Error('policy answered send for a full day');
	}
	const releaseSlot = () => deps.store.releaseDailySlot(ctx.userId, day);
	if (previous !== 'pending' && previous !== 'scheduled') {
		await releaseSlot();
		if (previous === 'dispatching') {
			const fresh = (await deps.store.loadContexts([ctx.messageId], now)).get(ctx.messageId);
			if (fresh) return recover(deps, job, fresh, log);
		}
		await deps.store.completeJob(job.id, deps.workerId);
		return 'skipped';
	}
	return dispatch(deps, job, ctx, releaseSlot, log);
}

async function decideAndSend(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, log: Logger): Promise<JobOutcome> {
	const now = deps.now();
	const decision = decide(deps, ctx, now, ctx.usedToday);
	if (decision.action === 'suppress') {
		await deps.store.suppress({ jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId, reason: decision.reason });
		deps.metrics.suppressed.inc({ reason: decision.reason });
		log.info({ reason: decision.reason }, 'suppressed');
		return 'suppressed';
	}
	if (decision.action === 'defer') return defer(deps, job, ctx, decision, log);
	if (deps.isStopping()) return 'release';
	const map = await deps.store.reserveAndDispatch([
		{ messageId: ctx.messageId, userId: ctx.userId, localDate: decision.localDate, limit: limitFor(deps, ctx) }
	]);
	const r = map.get(ctx.messageId);
	return afterReserve(deps, job, ctx, decision.localDate, now, r?.reserved ?? false, r?.previous ?? null, log);
}

async function defer(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	decision: Extract<Decision, { action: 'defer' }>,
	log: Logger
): Promise<JobOutcome> {
	await deps.store.defer({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		until: decision.until,
		reason: decision.reason
	});
	deps.metrics.deferred.inc({ reason: decision.reason });
	log.info({ reason: decision.reason, until: decision.until.toISOString() }, 'deferred');
	return 'deferred';
}

async function dispatch(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	releaseSlot: () => Promise<void>,
	log: Logger
): Promise<JobOutcome> {
	const started = performance.now();
	let failure: unknown;
	try {
		const result = await deps.sms.send({ to: ctx.phoneNumber, body: ctx.body, statusCallbackUrl: deps.statusCallbackUrl });
		deps.metrics.sendLatency.observe((performance.now() - started) / 1000);
		if (result.ok) {
			await deps.attach({
				jobId: job.id,
				messageId: ctx.messageId,
				result: {
					sid: result.sid,
					providerStatus: result.providerStatus,
					segments: result.segments,
					encoding: segmentInfo(ctx.body).encoding,
					price: priceText(result.price),
					priceUnit: result.priceUnit
				}
			});
			deps.metrics.sent.inc();
			log.debug({ sid: result.sid }, 'sent');
			return 'sent';
		}
		failure = result.error;
	} catch (error) {
		// A bug or an unexpected throw after the request left: treat as "may have been sent".
		failure = error;
	}
	return handleSendFailure(deps, job, ctx, failure, releaseSlot, log);
}

/** HTTP answers after which Twilio certainly did not create the message. */
function definitelyNotSent(error: unknown): boolean {
	if (!(error instanceof TwilioServiceError) || error.status === null) return false;
	return error.status !== 500 && error.status !== 502 && error.status !== 504;
}

async function handleSendFailure(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	error: unknown,
	releaseSlot: () => Promise<void>,
	log: Logger
): Promise<JobOutcome> {
	const twilioError = error instanceof TwilioServiceError ? error : null;
	const code = typeof twilioError?.code === 'number' ? twilioError.code : null;
	const message = error instanceof Error ? error.message : String(error);
	const label = `${twilioError?.code ?? 'error'}: ${message}`;
	const retryable = twilioError ? twilioError.retryable : true;
	const exhausted = job.attempts >= effectiveMaxAttempts(deps, job);
	const base = { jobId: job.id, workerId: deps.workerId, messageId: ctx.messageId };

	if (!retryable) {
		await releaseSlot();
		if (code === 21610) await deps.store.recordOptOut(ctx.phoneNumber);
		await deps.store.failMessage({ ...base, errorCode: code, errorMessage: message, jobError: label });
		deps.metrics.failed.inc({ reason: String(code ?? 'unknown') });
		log.warn({ code, err: message }, 'rejected by Twilio: failed without retry');
		return 'failed';
	}

	if (definitelyNotSent(error)) {
		await releaseSlot();
		if (exhausted) return giveUp(deps, job, ctx, code, message, log);
		const runAt = retryTime(deps, job);
		const reason = `retrying: ${code ? explainError(code).title : message}`;
		await deps.store.retryLater({ ...base, error: label, runAt, reason });
		deps.metrics.retried.inc();
		log.info({ code, attempt: job.attempts, runAt: runAt.toISOString() }, 'transient error: retry scheduled');
		return 'retried';
	}

	// Ambiguous: Twilio may have accepted it. The message stays `dispatching` (and keeps its
	// slot); the next attempt looks it up before sending again.
	if (exhausted) {
		const found = await lookup(deps, ctx, log);
		if (found) return attachFound(deps, job, ctx, found, log);
		await releaseSlot();
		return giveUp(deps, job, ctx, code, message, log);
	}
	const backoff = retryTime(deps, job);
	const runAt = new Date(Math.max(backoff.getTime(), deps.now().getTime() + deps.settleMs));
	await deps.store.retryJob(job.id, deps.workerId, label, runAt);
	deps.metrics.retried.inc();
	log.warn({ code: twilioError?.code ?? null, err: message, runAt: runAt.toISOString() }, 'no answer from Twilio: will check before resending');
	return 'retried';
}

function retryTime(deps: PipelineDeps, job: ClaimedJob): Date {
	return nextRunAt({ now: deps.now(), attempt: job.attempts, baseMs: deps.retryBaseMs, maxMs: deps.retryMaxMs, random: deps.random });
}

async function giveUp(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	code: number | null,
	message: string,
	log: Logger
): Promise<JobOutcome> {
	const text = `Gave up after ${job.attempts} attempts: ${message}`;
	await deps.store.failMessage({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		errorCode: code,
		errorMessage: text,
		jobError: `retries_exhausted: ${text}`
	});
	deps.metrics.failed.inc({ reason: 'retries_exhausted' });
	log.warn({ code, attempts: job.attempts }, 'retries exhausted: failed');
	return 'failed';
}

async function lookup(deps: PipelineDeps, ctx: SendContext, log: Logger): Promise<TwilioMessage | null | undefined> {
	try {
		return await deps.sms.lookupDispatched({
			sid: ctx.twilioSid,
			to: ctx.phoneNumber,
			body: ctx.body,
			since: ctx.dispatchedAt ?? new Date(0)
		});
	} catch (error) {
		log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not ask Twilio about an interrupted send');
		return undefined;
	}
}

async function attachFound(
	deps: PipelineDeps,
	job: ClaimedJob,
	ctx: SendContext,
	found: TwilioMessage,
	log: Logger
): Promise<JobOutcome> {
	await deps.store.attachAndComplete({
		jobId: job.id,
		workerId: deps.workerId,
		messageId: ctx.messageId,
		result: rowFromTwilio(found, ctx.body)
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

/** A message left in `dispatching` by an attempt that died or got no answer. */
async function recover(deps: PipelineDeps, job: ClaimedJob, ctx: SendContext, log: Logger): Promise<JobOutcome> {
	const found = await lookup(deps, ctx, log);
	if (found) return attachFound(deps, job, ctx, found, log);
	if (found === undefined) {
		// Twilio cannot be asked right now; sending blindly could double-send, so wait.
		const label = 'could not confirm an interrupted send with Twilio';
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
	// Twilio never got it: give back the interrupted attempt's slot, then start over.
	const now = deps.now();
	let usedToday = ctx.usedToday;
	if (ctx.dispatchedAt) {
		const heldDate = localDate(ctx.dispatchedAt, ctx.timeZone);
		await deps.store.releaseDailySlot(ctx.userId, heldDate);
		if (heldDate === localDate(now, ctx.timeZone)) usedToday = Math.max(0, usedToday - 1);
	}
	if (deps.isStopping()) {
		await deps.store.markScheduled(ctx.messageId, now, 'resend_pending');
		return 'release';
	}
	await deps.store.markScheduled(ctx.messageId, now, 'resend_pending');
	log.info('interrupted send never reached Twilio: sending again');
	return decideAndSend(deps, job, { ...ctx, status: 'scheduled', usedToday }, log);
}
