import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import type { HealthStatus } from './health-server.ts';
import { silentLogger } from './logger.ts';
import { createMetrics, type WorkerMetrics } from './metrics.ts';
import { AttachBatcher } from './attach-batcher.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { messageIdOf, processBatch, type JobOutcome, type PipelineDeps } from './pipeline.ts';
import type { Failpoint } from './deps.ts';
import { reconcileOnce, type ReconcileResult } from './reconcile.ts';
import { compactRollups } from './rollups.ts';
import type { SmsSender } from './sms-port.ts';
import { TwilioProvider, type FetchLike } from '@sms/providers';
import { ProviderDirectory } from './provider-directory.ts';
import { ProviderHealth } from './provider-health.ts';
import { WorkerStore } from './store.ts';
import { nextRunAt } from './backoff.ts';
import type { ClaimedJob } from './types.ts';
import { isTransientDbError } from './errors.ts';

export interface CreateWorkerOptions {
	/** A pool whose connections run as service_role (see createWorkerPool). Not closed by stop(). */
	sql: Sql;
	/** twilio-service's SMSService (or anything with the same send / fetchMessage / findDispatched). */
	sms: SmsSender;
	/** PUBLIC_BASE_URL + /api/webhooks/twilio/status */
	statusCallbackUrl: string;
	/** The HTTP providers' delivery reports; default: /api/webhooks/sms beside statusCallbackUrl. */
	providerCallbackUrl?: string;
	/** The HTTP providers (each workspace's settings pick them; Twilio is `sms`). */
	providers?: {
		/** Per call (default 10 s): a timeout counts as an outage that may have been accepted. */
		timeoutMs?: number;
		/** How old a workspace's settings may be (default 5 s). */
		settingsTtlMs?: number;
		/** Consecutive outages before a provider counts as down (default 3). */
		outageThreshold?: number;
		/** How long a down provider is skipped by new texts (default 30 s). */
		cooldownMs?: number;
		fetch?: FetchLike;
	};
	workerId?: string;
	/** Jobs processed at once (default 64): a Twilio call takes 100–500 ms. */
	concurrency?: number;
	/** Most jobs per claim (default 50). */
	batchSize?: number;
	leaseSeconds?: number;
	/** Attempts before a text is failed for good (default 5; the job's own max_attempts also applies). */
	maxAttempts?: number;
	/** Fallback poll when no NOTIFY arrives (default 1000 ms). */
	pollIntervalMs?: number;
	retryBaseMs?: number;
	retryMaxMs?: number;
	/** Wait after an unanswered Twilio call before checking whether it arrived (default 30 s). */
	settleMs?: number;
	hardDailyCap?: number;
	/** false switches the periodic reconciliation off (it can still be run with reconcileOnce). */
	reconcile?: { afterSeconds: number; intervalMs: number; giveUpSeconds: number } | false;
	now?: () => Date;
	logger?: Logger;
	random?: () => number;
	/**
	 * Crash tests only: called after each step of the send path that changes something; throwing
	 * there stops the text as a crash at that point would (the lease then hands it on).
	 */
	failpoint?: (point: Failpoint) => void | Promise<void>;
	/** Also export Node's process metrics (main.ts does; tests do not). */
	defaultMetrics?: boolean;
	/** Called after each reconciliation run (the health page records them). */
	onReconciled?: (result: ReconcileResult, startedAt: Date) => void;
}

export interface Worker {
	readonly id: string;
	readonly metrics: WorkerMetrics;
	/** Starts listening for new jobs and claiming. */
	start(): Promise<void>;
	/** Stop claiming, finish sends in flight, give back jobs not started. */
	stop(): Promise<void>;
	health(): Promise<HealthStatus>;
	reconcileOnce(): Promise<ReconcileResult>;
	/** Jobs being processed now. */
	inFlight(): number;
}

const DEFAULTS = {
	concurrency: 64,
	batchSize: 50,
	leaseSeconds: 60,
	maxAttempts: 5,
	pollIntervalMs: 1000,
	retryBaseMs: 2000,
	retryMaxMs: 600_000,
	settleMs: 30_000
};

/** Shortest sleep until the next due job: texts due close together are claimed together. */
const GATHER_MS = 100;

export function createWorker(options: CreateWorkerOptions): Worker {
	const o = { ...DEFAULTS, ...definedOnly(options) };
	const id = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
	const logger = (options.logger ?? silentLogger()).child({ workerId: id });
	const now = options.now ?? (() => new Date());
	const store = new WorkerStore(options.sql, logger);
	const metrics = createMetrics({ queueDepth: () => store.queueDepth(), defaultMetrics: options.defaultMetrics });

	let stopping = false;
	let started = false;
	let active = 0;
	let lastClaimAt: Date | null = null;
	// Set when a claim came back short: only a NOTIFY or pollAt makes claiming worth it again.
	let drained = false;
	// Counts NOTIFYs: one that arrives while a claim is under way must not be lost to drained.
	let notices = 0;
	// When drained: when to claim again without a NOTIFY (the next job's run_at, else a poll).
	let pollAt = 0;
	let wakeUp: (() => void) | null = null;
	let loopDone: Promise<void> = Promise.resolve();
	let unlisten: (() => Promise<void>) | null = null;
	let reconcileTimer: NodeJS.Timeout | null = null;
	let reconciling: Promise<unknown> = Promise.resolve();
	const batches = new Set<Promise<void>>();
	const toRelease: string[] = [];
	const attacher = new AttachBatcher({ store, workerId: id, logger, maxBatch: o.batchSize });
	const leases = new LeaseKeeper({ store, workerId: id, leaseSeconds: o.leaseSeconds, logger });

	const p = options.providers ?? {};
	const providers = new ProviderDirectory({
		twilio: new TwilioProvider(options.sms, { statusCallbackUrl: options.statusCallbackUrl }),
		load: (ids) => store.providerConfigs(ids),
		callbackUrl: options.providerCallbackUrl ?? new URL('/api/webhooks/sms', options.statusCallbackUrl).toString(),
		timeoutMs: p.timeoutMs ?? 10_000,
		ttlMs: p.settingsTtlMs ?? 5000,
		fetch: p.fetch
	});
	const deps: PipelineDeps = {
		store,
		providers,
		health: new ProviderHealth({ threshold: p.outageThreshold ?? 3, cooldownMs: p.cooldownMs ?? 30_000 }),
		now,
		logger,
		metrics,
		workerId: id,
		statusCallbackUrl: options.statusCallbackUrl,
		providerCallbackUrl: options.providerCallbackUrl ?? new URL('/api/webhooks/sms', options.statusCallbackUrl).toString(),
		// Resolved in start(): an explicit cap, else the database's sms_max_daily_limit().
		hardDailyCap: options.hardDailyCap ?? 0,
		maxAttempts: o.maxAttempts,
		retryBaseMs: o.retryBaseMs,
		retryMaxMs: o.retryMaxMs,
		settleMs: o.settleMs,
		random: options.random,
		isStopping: () => stopping,
		attach: (item) => attacher.add(item),
		failpoint: options.failpoint
	};

	const wake = () => {
		const w = wakeUp;
		wakeUp = null;
		w?.();
	};

	/**
	 * Sleeps until woken (a NOTIFY, a finished job) or `ms`. A wake-up does not move the time to
	 * claim again once drained (`pollAt`): jobs finishing every few milliseconds used to restart
	 * the poll timer each time, so a worker with work in hand never polled, and staggered
	 * campaign jobs (no NOTIFY each) waited for the next NOTIFY.
	 */
	function sleepUntilWoken(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				wakeUp = null;
				resolve();
			}, ms);
			wakeUp = () => {
				clearTimeout(timer);
				resolve();
			};
		});
	}

	/** Drained: claim again when the next job falls due (the database knows), at most a poll away. */
	async function drain(): Promise<void> {
		drained = true;
		const at = Date.now();
		pollAt = at + o.pollIntervalMs;
		try {
			const next = await store.nextRunAt(['send_sms']);
			// Not sooner than GATHER_MS: a 50/s campaign is claimed a few jobs at a time, not one per 20 ms.
			if (next) pollAt = Math.max(at + Math.min(GATHER_MS, o.pollIntervalMs), Math.min(pollAt, next.getTime()));
		} catch (error) {
			logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not read when the next job is due');
		}
	}

	async function settle(job: ClaimedJob, outcome: Promise<JobOutcome>): Promise<void> {
		try {
			if ((await outcome) === 'release') toRelease.push(job.id);
		} catch (error) {
			await onUnexpected(job, error);
		} finally {
			leases.drop(job.id);
			active--;
			metrics.inFlight.dec();
			wake();
		}
	}

	/** A database error or a bug: retry with back-off; the lease covers us if even that fails. */
	async function onUnexpected(job: ClaimedJob, error: unknown): Promise<void> {
		const err = error instanceof Error ? error.message : String(error);
		// A deadlock or serialization failure rolled the transaction back and says nothing about
		// the text: run it again without spending an attempt, or a busy campaign could dead-letter
		// a text left `dispatching`.
		if (isTransientDbError(error)) {
			const detail = typeof error === 'object' && error !== null && 'detail' in error ? String((error as { detail: unknown }).detail) : undefined;
			const where = typeof error === 'object' && error !== null && 'where' in error ? String((error as { where: unknown }).where) : undefined;
			logger.warn({ jobId: job.id, messageId: messageIdOf(job), err, detail, where }, 'transaction rolled back by the database; running the job again');
			// Given back now (not at stop, nor when the lease lapses): the next claim runs it again.
			const released = await store.releaseJobs(id, [job.id]).catch(() => 0);
			if (released === 0) toRelease.push(job.id);
			return;
		}
		logger.error({ jobId: job.id, messageId: messageIdOf(job), err }, 'job failed unexpectedly');
		try {
			if (job.attempts >= Math.min(job.maxAttempts, o.maxAttempts)) {
				await store.failJob(job.id, id, `unexpected: ${err}`);
				metrics.failed.inc({ reason: 'unexpected' });
			} else {
				const runAt = nextRunAt({ now: now(), attempt: job.attempts, baseMs: o.retryBaseMs, maxMs: o.retryMaxMs, random: options.random });
				await store.retryJob(job.id, id, `unexpected: ${err}`, runAt);
				metrics.retried.inc();
			}
		} catch (cause) {
			logger.error({ jobId: job.id, err: cause instanceof Error ? cause.message : String(cause) }, 'could not record the failure; the lease will expire');
		}
	}

	async function runBatch(jobs: ClaimedJob[]): Promise<void> {
		let contexts: Awaited<ReturnType<WorkerStore['loadContexts']>>;
		try {
			const ids = jobs.map(messageIdOf).filter((x): x is string => x !== null);
			contexts = await store.loadContexts(ids, now());
		} catch (error) {
			// Leave the jobs leased: they are claimed again when the lease expires.
			logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not load messages for a batch');
			for (const job of jobs) leases.drop(job.id);
			active -= jobs.length;
			metrics.inFlight.dec(jobs.length);
			wake();
			return;
		}
		const outcomes = processBatch(deps, jobs, contexts);
		await Promise.all(jobs.map((job, i) => settle(job, outcomes[i]!)));
	}

	async function loop(): Promise<void> {
		const chunk = Math.max(1, Math.floor(Math.min(o.batchSize, o.concurrency) / 4));
		while (!stopping) {
			if (drained && Date.now() >= pollAt) drained = false;
			const room = o.concurrency - active;
			// Claim in chunks, not one job per finished send: each claim is a round trip.
			if (!drained && room >= (active === 0 ? 1 : chunk)) {
				const want = Math.min(room, o.batchSize);
				const noticesBefore = notices;
				let jobs: ClaimedJob[];
				try {
					jobs = await store.claim({ workerId: id, limit: want, leaseSeconds: o.leaseSeconds });
				} catch (error) {
					logger.error({ err: error instanceof Error ? error.message : String(error) }, 'claim failed');
					await sleepUntilWoken(o.pollIntervalMs);
					continue;
				}
				lastClaimAt = new Date();
				if (jobs.length > 0) {
					if (stopping) {
						toRelease.push(...jobs.map((j) => j.id));
						break;
					}
					leases.hold(jobs.map((j) => j.id));
					active += jobs.length;
					metrics.claimed.inc(jobs.length);
					metrics.inFlight.inc(jobs.length);
					const batch = runBatch(jobs);
					batches.add(batch);
					void batch.finally(() => batches.delete(batch));
				}
				if (jobs.length === want || notices !== noticesBefore) continue;
				await drain();
				if (notices !== noticesBefore) drained = false;
				continue;
			}
			// Drained: until the next job is due; waiting for room: until a job finishes.
			await sleepUntilWoken(drained ? Math.max(0, pollAt - Date.now()) : o.pollIntervalMs);
		}
	}

	async function runReconcile(): Promise<ReconcileResult> {
		const r = options.reconcile;
		const startedAt = new Date();
		const result = reconcileOnce({
			sql: options.sql,
			store,
			sms: options.sms,
			providers,
			logger,
			metrics,
			afterSeconds: r ? r.afterSeconds : 600,
			giveUpSeconds: r ? r.giveUpSeconds : 3 * 86_400,
			isStopping: () => stopping
		});
		reconciling = result.then((res) => options.onReconciled?.(res, startedAt)).catch(() => undefined);
		return result;
	}

	function scheduleReconcile(): void {
		const r = options.reconcile;
		if (!r || stopping) return;
		reconcileTimer = setTimeout(() => {
			runReconcile()
				.then(() => compactRollups(options.sql, logger))
				.catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation failed'))
				.finally(scheduleReconcile);
		}, r.intervalMs);
		reconcileTimer.unref();
	}

	return {
		id,
		metrics,
		async start() {
			if (started) return;
			started = true;
			if (options.hardDailyCap === undefined) deps.hardDailyCap = await store.maxDailyLimit();
			const listener = await options.sql.listen('sms_jobs', () => {
				notices++;
				drained = false;
				wake();
			});
			unlisten = () => listener.unlisten();
			loopDone = loop();
			leases.start();
			scheduleReconcile();
			logger.info({ concurrency: o.concurrency, batchSize: o.batchSize }, 'worker started');
		},
		async stop() {
			if (stopping) return loopDone;
			stopping = true;
			if (reconcileTimer) clearTimeout(reconcileTimer);
			wake();
			await loopDone;
			const inFlight = active;
			if (inFlight > 0) logger.info({ inFlight }, 'stopping: finishing sends in flight');
			while (batches.size > 0) await Promise.all([...batches]);
			await attacher.drain();
			await leases.stop();
			await reconciling;
			if (toRelease.length > 0) {
				const n = await store.releaseJobs(id, toRelease.splice(0));
				metrics.released.inc(n);
				logger.info({ released: n }, 'gave back claimed jobs that had not started');
			}
			if (unlisten) await unlisten().catch(() => undefined);
			logger.info('worker stopped');
		},
		async health() {
			let database: HealthStatus['database'] = 'ok';
			try {
				await store.ping();
			} catch {
				database = 'unreachable';
			}
			return {
				ok: database === 'ok',
				database,
				lastClaimAt: lastClaimAt?.toISOString() ?? null,
				inFlight: active,
				stopping
			};
		},
		reconcileOnce: runReconcile,
		inFlight: () => active
	};
}

function definedOnly<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

