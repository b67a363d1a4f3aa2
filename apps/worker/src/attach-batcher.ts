import type { Logger } from 'pino';
import { isTransientDbError } from './errors.ts';
import type { SendResultRow, WorkerStore } from './store.ts';

interface Pending {
	jobId: string;
	messageId: string;
	result: SendResultRow;
	resolve: () => void;
	reject: (error: unknown) => void;
}

/**
 * Collects "Twilio accepted it" results for a few milliseconds and writes them in one
 * transaction: under load this turns hundreds of commits per second into a handful. If a
 * batch fails (one bad row raises), each item is retried alone so only the bad one fails.
 */
export class AttachBatcher {
	private queue: Pending[] = [];
	private timer: NodeJS.Timeout | null = null;
	private readonly inFlight = new Set<Promise<void>>();

	constructor(
		private readonly options: { store: WorkerStore; workerId: string; logger: Logger; maxBatch?: number; delayMs?: number }
	) {}

	add(item: { jobId: string; messageId: string; result: SendResultRow }): Promise<void> {
		return new Promise((resolve, reject) => {
			this.queue.push({ ...item, resolve, reject });
			if (this.queue.length >= (this.options.maxBatch ?? 100)) this.flush();
			else this.timer ??= setTimeout(() => this.flush(), this.options.delayMs ?? 5);
		});
	}

	/** Writes everything queued now; resolves when all writes so far are done. */
	async drain(): Promise<void> {
		this.flush();
		while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
	}

	private flush(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const batch = this.queue.splice(0);
		if (batch.length === 0) return;
		const write = this.write(batch);
		this.inFlight.add(write);
		void write.finally(() => this.inFlight.delete(write));
	}

	private async write(batch: Pending[]): Promise<void> {
		const { store, workerId } = this.options;
		try {
			await withTransientRetries(() => store.attachAndCompleteMany(batch, workerId));
			for (const p of batch) p.resolve();
			return;
		} catch (error) {
			if (batch.length === 1) {
				batch[0]!.reject(error);
				return;
			}
			this.options.logger.warn({ err: error instanceof Error ? error.message : String(error), size: batch.length }, 'batched attach failed; attaching one by one');
		}
		await Promise.all(
			batch.map((p) =>
				withTransientRetries(() => store.attachAndCompleteMany([p], workerId)).then(p.resolve, p.reject)
			)
		);
	}
}

/** A deadlock or serialization failure rolled the write back: the same write again, a few times. */
async function withTransientRetries(write: () => Promise<void>, tries = 3): Promise<void> {
	for (let i = 1; ; i++) {
		try {
			return await write();
		} catch (error) {
			if (i >= tries || !isTransientDbError(error)) throw error;
			await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * i));
		}
	}
}
