/**
 * Runs many small statements as one: items that arrive while a batch is in flight go together
 * in the next one (no timer, so no added latency when idle), and each caller gets its own
 * answer only after the batch committed. If a batch fails, each item is retried alone, so only
 * the item at fault (or every item, when the database is down) gets the error. The same
 * scheme as StatusWriter, for any `run(items) → one answer per item`.
 */
export class BatchedWriter<In, Out> {
	private queue: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
	private writing = 0;

	/**
	 * `concurrency`: batches in flight at once (default 1). `retryAlone`: whether a failed batch's
	 * items may run again one by one (default: always); false fails them all with the error, for
	 * writes that are not idempotent when the error may come after the commit.
	 */
	constructor(
		private readonly options: {
			run: (items: In[]) => Promise<Out[]>;
			maxBatch?: number;
			concurrency?: number;
			retryAlone?: (error: unknown) => boolean;
			/**
			 * A writer that finds the queue idle waits one turn of the event loop (setImmediate)
			 * before it takes its batch, so the items submitted by the requests being read in the
			 * same turn go with the first instead of each in a batch of its own.
			 */
			gather?: boolean;
		}
	) {}

	submit(item: In): Promise<Out> {
		return new Promise((resolve, reject) => {
			this.queue.push({ item, resolve, reject });
			if (this.writing < (this.options.concurrency ?? 1)) void this.drain();
		});
	}

	private async runChecked(items: In[]): Promise<Out[]> {
		const out = await this.options.run(items);
		// One answer per item, or the result cannot be trusted: the items are then run one by one.
		if (out.length !== items.length) throw new Error(`batch answered ${out.length} of ${items.length} items`);
		return out;
	}

	private async drain(): Promise<void> {
		this.writing++;
		try {
			if (this.options.gather) await new Promise<void>((resolve) => setImmediate(resolve));
			while (this.queue.length > 0) {
				const batch = this.queue.splice(0, this.options.maxBatch ?? 200);
				try {
					const results = await this.runChecked(batch.map((p) => p.item));
					batch.forEach((p, i) => p.resolve(results[i]!));
				} catch (error) {
					if (batch.length === 1 || !(this.options.retryAlone?.(error) ?? true)) {
						for (const p of batch) p.reject(error);
						continue;
					}
					await Promise.all(batch.map((p) => this.runChecked([p.item]).then((r) => p.resolve(r[0]!), p.reject)));
				}
			}
		} finally {
			this.writing--;
		}
	}
}
