/**
 * Runs many small statements as one: items that arrive while a batch is in flight go together
 * in the next one (no timer, so no added latency when idle), and each caller gets its own
 * answer only after the batch committed. If a batch fails, each item is retried alone, so only
 * the item at fault (or every item, when the database is down) gets the error. The same
 * scheme as StatusWriter, for any `run(items) → one answer per item`.
 */
export class BatchedWriter<In, Out> {
	private queue: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
	private writing = false;

	constructor(private readonly options: { run: (items: In[]) => Promise<Out[]>; maxBatch?: number }) {}

	submit(item: In): Promise<Out> {
		return new Promise((resolve, reject) => {
			this.queue.push({ item, resolve, reject });
			if (!this.writing) void this.drain();
		});
	}

	private async runChecked(items: In[]): Promise<Out[]> {
		const out = await this.options.run(items);
		// One answer per item, or the result cannot be trusted: the items are then run one by one.
		if (out.length !== items.length) throw new Error(`batch answered ${out.length} of ${items.length} items`);
		return out;
	}

	private async drain(): Promise<void> {
		this.writing = true;
		try {
			while (this.queue.length > 0) {
				const batch = this.queue.splice(0, this.options.maxBatch ?? 200);
				try {
					const results = await this.runChecked(batch.map((p) => p.item));
					batch.forEach((p, i) => p.resolve(results[i]!));
				} catch (error) {
					if (batch.length === 1) {
						batch[0]!.reject(error);
						continue;
					}
					await Promise.all(batch.map((p) => this.runChecked([p.item]).then((r) => p.resolve(r[0]!), p.reject)));
				}
			}
		} finally {
			this.writing = false;
		}
	}
}
