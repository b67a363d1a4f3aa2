import type { Sql } from '@sms/db';
import type { ProviderError, ProviderId } from '@sms/providers';
import type { ApplyStatusResult } from '@sms/twilio-service';
import type { Logger } from './logger.ts';
import type { ClaimedJob, SendContext } from './types.ts';
import * as attach from './store/attach.ts';
import { ContextLoader } from './store/contexts.ts';
import * as dispatch from './store/dispatch.ts';
import * as jobs from './store/jobs.ts';
import * as outcomes from './store/outcomes.ts';
import * as reconcile from './store/reconcile.ts';
import * as settings from './store/settings.ts';

export type { SendResultRow } from './store/attach.ts';
export type { DispatchStart } from './store/dispatch.ts';
export type { ReconcileCandidate } from './store/reconcile.ts';
export type { ProviderConfigRow } from './store/settings.ts';

type JobRef = outcomes.JobRef;

/**
 * The worker's only door to the database: thin, typed calls to the SQL API (service role).
 * Each method is one statement, i.e. one round trip; postgres.js pipelines them over the pool.
 * The statements live in ./store/, one file per concern; this class only hands them the pool.
 */
export class WorkerStore {
	private readonly contexts: ContextLoader;

	constructor(
		private readonly sql: Sql,
		log: Pick<Logger, 'warn'> = { warn: () => {} }
	) {
		this.contexts = new ContextLoader(sql, log);
	}

	// The job queue (store/jobs.ts).
	claim(options: { workerId: string; limit: number; leaseSeconds: number }): Promise<ClaimedJob[]> {
		return jobs.claim(this.sql, options);
	}
	nextRunAt(jobTypes: string[]): Promise<Date | null> {
		return jobs.nextRunAt(this.sql, jobTypes);
	}
	completeJob(jobId: string, workerId: string): Promise<boolean> {
		return jobs.completeJob(this.sql, jobId, workerId);
	}
	failJob(jobId: string, workerId: string, error: string): Promise<boolean> {
		return jobs.failJob(this.sql, jobId, workerId, error);
	}
	retryJob(jobId: string, workerId: string, error: string, runAt: Date): Promise<'pending' | 'failed' | null> {
		return jobs.retryJob(this.sql, jobId, workerId, error, runAt);
	}
	releaseJobs(workerId: string, jobIds: string[]): Promise<number> {
		return jobs.releaseJobs(this.sql, workerId, jobIds);
	}
	renewLeases(workerId: string, jobIds: string[], leaseSeconds: number): Promise<number> {
		return jobs.renewLeases(this.sql, workerId, jobIds, leaseSeconds);
	}
	queueDepth(): Promise<number> {
		return jobs.queueDepth(this.sql);
	}

	// What a batch needs to decide (store/contexts.ts).
	loadContexts(messageIds: string[], now: Date): Promise<Map<string, SendContext>> {
		return this.contexts.load(messageIds, now);
	}

	// A text's end or pause with its job's settlement (store/outcomes.ts).
	suppress(options: JobRef & { reason: string }): Promise<void> {
		return outcomes.suppress(this.sql, options);
	}
	defer(options: JobRef & { until: Date; reason: string }): Promise<void> {
		return outcomes.defer(this.sql, options);
	}
	retryLater(options: JobRef & { runAt: Date; reason: string; error: string }): Promise<void> {
		return outcomes.retryLater(this.sql, options);
	}
	failMessage(options: JobRef & { errorCode: number | null; errorMessage: string; jobError: string }): Promise<void> {
		return outcomes.failMessage(this.sql, options);
	}
	holdForReview(options: JobRef & { candidates: string[]; error: string }): Promise<void> {
		return outcomes.holdForReview(this.sql, options);
	}
	recordOptOut(phoneNumber: string, source: outcomes.OptOutSource): Promise<void> {
		return outcomes.recordOptOut(this.sql, phoneNumber, source);
	}

	// Dispatch, attempts and recovery (store/dispatch.ts).
	beginDispatch(rows: { messageId: string; localDate: string; limit: number; provider: ProviderId }[]): Promise<Map<string, dispatch.DispatchStart>> {
		return dispatch.beginDispatch(this.sql, rows);
	}
	startAttempt(messageId: string, provider: ProviderId): Promise<boolean> {
		return dispatch.startAttempt(this.sql, messageId, provider);
	}
	finishAttempt(messageId: string, provider: ProviderId, outcome: 'refused' | 'unknown', error: ProviderError | null, message?: string): Promise<void> {
		return dispatch.finishAttempt(this.sql, messageId, provider, outcome, error, message);
	}
	openAttempts(messageId: string): Promise<{ recorded: boolean; providers: ProviderId[] }> {
		return dispatch.openAttempts(this.sql, messageId);
	}
	recoverUnsent(messageId: string): Promise<boolean> {
		return dispatch.recoverUnsent(this.sql, messageId);
	}
	storedReferences(provider: ProviderId, references: string[]): Promise<Set<string>> {
		return dispatch.storedReferences(this.sql, provider, references);
	}

	// The provider's answer stored, the job completed (store/attach.ts).
	attachAndCompleteMany(items: { jobId: string; messageId: string; result: attach.SendResultRow }[], workerId: string): Promise<void> {
		return attach.attachAndCompleteMany(this.sql, items, workerId);
	}
	attachAndComplete(options: JobRef & { result: attach.SendResultRow }): Promise<void> {
		return attach.attachAndComplete(this.sql, options);
	}

	// Reconciliation (store/reconcile.ts).
	reconcileCandidates(options: { olderThanSeconds: number; giveUpSeconds: number; limit: number }): Promise<reconcile.ReconcileCandidate[]> {
		return reconcile.reconcileCandidates(this.sql, options);
	}
	applyPolledStatus(options: reconcile.PolledStatus): Promise<ApplyStatusResult> {
		return reconcile.applyPolledStatus(this.sql, options);
	}

	// Settings and health (store/settings.ts).
	providerConfigs(organizationIds: string[]): Promise<settings.ProviderConfigRow[]> {
		return settings.providerConfigs(this.sql, organizationIds);
	}
	maxDailyLimit(): Promise<number> {
		return settings.maxDailyLimit(this.sql);
	}
	ping(): Promise<void> {
		return settings.ping(this.sql);
	}
}
