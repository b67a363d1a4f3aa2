import { randomUUID } from 'node:crypto';
import type { CallbackLog } from './callback-log.ts';
import { roll, type Faults } from './faults.ts';
import type { Scheduler } from './scheduler.ts';
import type { WebhookPoster } from './webhook-poster.ts';

interface Job {
	url: string;
	params: Record<string, string>;
	token: string;
	attempt: number;
	duplicate: boolean;
	generation: number;
}

export interface CallbackRetryOptions {
	/** Attempts in all, including the first. */
	attempts: number;
	/** Delay before the first retry; doubles each time. */
	baseDelayMs: number;
}

/**
 * Delivers status callbacks with bounded concurrency, retries on refusal/timeout/5xx with
 * exponential backoff (through the shared scheduler, not a timer each), and applies the
 * duplicate/drop faults. Every attempt is written to the callback log.
 */
export class CallbackDispatcher {
	private queue: Job[] = [];
	private head = 0;
	private inFlight = 0;
	private generation = 0;

	constructor(
		private readonly deps: {
			poster: WebhookPoster;
			scheduler: Scheduler;
			log: CallbackLog;
			faults: () => Faults;
			retry: CallbackRetryOptions;
			concurrency: number;
		}
	) {}

	get pending(): number {
		return this.queue.length - this.head + this.inFlight;
	}

	send(url: string, params: Record<string, string>): void {
		const faults = this.deps.faults();
		if (roll(faults.dropCallbacks)) {
			this.deps.log.add({
				url,
				params,
				status: null,
				error: 'dropped by fault injection',
				attempt: 1,
				duplicate: false,
				dropped: true,
				at: new Date().toISOString()
			});
			return;
		}
		const token = randomUUID();
		const base = { url, params, token, attempt: 1, generation: this.generation };
		this.enqueue({ ...base, duplicate: false });
		if (roll(faults.duplicateCallbacks)) this.enqueue({ ...base, duplicate: true });
	}

	/** Forget queued work; answers to requests already on the wire are ignored. */
	reset(): void {
		this.generation++;
		this.queue = [];
		this.head = 0;
	}

	private enqueue(job: Job): void {
		this.queue.push(job);
		this.pump();
	}

	private pump(): void {
		while (this.inFlight < this.deps.concurrency && this.head < this.queue.length) {
			const job = this.queue[this.head++]!;
			if (this.head > 1024 && this.head * 2 > this.queue.length) {
				// Compact now and then instead of shift() on every job.
				this.queue = this.queue.slice(this.head);
				this.head = 0;
			}
			void this.deliver(job);
		}
	}

	private async deliver(job: Job): Promise<void> {
		this.inFlight++;
		const result = await this.deps.poster.post({
			url: job.url,
			params: job.params,
			idempotencyToken: job.token
		});
		this.inFlight--;
		if (job.generation === this.generation) {
			this.deps.log.add({
				url: job.url,
				params: job.params,
				status: result.status,
				error: result.error,
				attempt: job.attempt,
				duplicate: job.duplicate,
				dropped: false,
				at: new Date().toISOString()
			});
			const failed = result.status === null || result.status >= 500;
			if (failed && job.attempt < this.deps.retry.attempts) {
				const delay = this.deps.retry.baseDelayMs * 2 ** (job.attempt - 1);
				this.deps.scheduler.schedule(delay, () => {
					if (job.generation === this.generation) this.enqueue({ ...job, attempt: job.attempt + 1 });
				});
			}
		}
		this.pump();
	}
}
