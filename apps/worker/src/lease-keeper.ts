import type { Logger } from 'pino';
import type { WorkerStore } from './store.ts';

/**
 * Keeps the leases of the jobs this worker holds alive while they are in flight: a send slower
 * than the lease (a slow provider, a short WORKER_LEASE_SECONDS) must not let the job be
 * claimed again — by another worker or by this one — while its first call is on its way.
 * Every third of the lease, one statement renews them all (renew_job_leases).
 */
export class LeaseKeeper {
	private readonly held = new Set<string>();
	private timer: NodeJS.Timeout | null = null;
	private renewing: Promise<void> = Promise.resolve();

	constructor(
		private readonly options: { store: Pick<WorkerStore, 'renewLeases'>; workerId: string; leaseSeconds: number; logger: Logger }
	) {}

	/** How often the leases are renewed: a third of the lease, so two rounds may be missed. */
	get intervalMs(): number {
		return Math.max(100, Math.floor((this.options.leaseSeconds * 1000) / 3));
	}

	hold(jobIds: Iterable<string>): void {
		for (const id of jobIds) this.held.add(id);
	}

	/** The job is settled (or given back): its lease is no longer ours to keep. */
	drop(jobId: string): void {
		this.held.delete(jobId);
	}

	start(): void {
		if (this.timer) return;
		const tick = () => {
			this.timer = setTimeout(() => {
				this.renewing = this.renew().finally(() => {
					if (this.timer) tick();
				});
			}, this.intervalMs);
			this.timer.unref();
		};
		tick();
	}

	async stop(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		await this.renewing;
	}

	private async renew(): Promise<void> {
		const ids = [...this.held];
		if (ids.length === 0) return;
		const { store, workerId, leaseSeconds, logger } = this.options;
		try {
			const renewed = await store.renewLeases(workerId, ids, leaseSeconds);
			// Fewer is normal: jobs settling in this very moment are skipped, not waited for.
			logger.debug({ held: ids.length, renewed }, 'job leases renewed');
		} catch (error) {
			// The next round tries again; until the lease runs out the jobs are still ours.
			logger.warn({ err: error instanceof Error ? error.message : String(error), held: ids.length }, 'could not renew job leases');
		}
	}
}
