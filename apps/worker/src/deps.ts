import type { Logger } from 'pino';
import { nextRunAt } from './backoff.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { ProviderDirectory } from './provider-directory.ts';
import type { ProviderHealth } from './provider-health.ts';
import type { SendResultRow, WorkerStore } from './store.ts';
import type { ClaimedJob } from './types.ts';

/**
 * Where a crash test may stop the send path (see CreateWorkerOptions.failpoint): after each step
 * that changes something, so a test can prove that every step is safe to repeat.
 */
export type Failpoint = 'after_lookup' | 'after_recover_unsent' | 'after_begin_dispatch' | 'after_send';

/** Everything the send path needs, built once per worker (worker.ts). */
export interface PipelineDeps {
	store: WorkerStore;
	/** Each workspace's route and adapters (Twilio among them). */
	providers: ProviderDirectory;
	/** Which providers this worker sees as down (outages past the threshold, refused accounts). */
	health: ProviderHealth;
	now: () => Date;
	logger: Logger;
	metrics: WorkerMetrics;
	workerId: string;
	/** Twilio's status callback (PUBLIC_BASE_URL + /api/webhooks/twilio/status). */
	statusCallbackUrl: string;
	/** The HTTP providers' delivery reports (PUBLIC_BASE_URL + /api/webhooks/sms). */
	providerCallbackUrl: string;
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
	/** Stores the provider's answer and completes the job (batched across sends by AttachBatcher). */
	attach: (item: { jobId: string; messageId: string; result: SendResultRow }) => Promise<void>;
	failpoint?: (point: Failpoint) => void | Promise<void>;
}

export type JobOutcome =
	| 'sent'
	| 'recovered'
	| 'suppressed'
	| 'deferred'
	| 'retried'
	| 'failed'
	| 'skipped'
	/** Held for a person: the provider has several identical texts and we cannot tell which is ours. */
	| 'needs_review'
	/** Not started because the worker is stopping: the caller gives the job back. */
	| 'release';

/** The id of the message a send_sms job is about, or null for a malformed payload. */
export function messageIdOf(job: ClaimedJob): string | null {
	const payload = job.payload as { message_id?: unknown } | null;
	const id = payload?.message_id;
	return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}

export const effectiveMaxAttempts = (deps: PipelineDeps, job: ClaimedJob) => Math.min(job.maxAttempts, deps.maxAttempts);

export function retryTime(deps: PipelineDeps, job: ClaimedJob): Date {
	return nextRunAt({ now: deps.now(), attempt: job.attempts, baseMs: deps.retryBaseMs, maxMs: deps.retryMaxMs, random: deps.random });
}
