import { describe, expect, it } from 'vitest';
import { BatchedWriter } from './batched-writer.ts';

describe('BatchedWriter', () => {
	it('keeps at most `concurrency` batches in flight, the rest waiting together for the next', async () => {
		const batches: number[][] = [];
		let inFlight = 0;
		let most = 0;
		const w = new BatchedWriter<number, number>({
			concurrency: 2,
			run: async (items) => {
				batches.push(items);
				most = Math.max(most, ++inFlight);
				await new Promise((r) => setTimeout(r, 5));
				inFlight--;
				return items.map((i) => i * 10);
			}
		});
		const out = await Promise.all(Array.from({ length: 10 }, (_, i) => w.submit(i)));
		expect(out).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
		expect(most).toBe(2);
		expect(batches.length).toBeLessThan(10);
		expect(batches.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
	});

	it('with gather, items submitted in separate callbacks of one event-loop turn go in one batch', async () => {
		const run = (gather: boolean) => {
			const batches: number[][] = [];
			const w = new BatchedWriter<number, number>({ concurrency: 2, gather, run: async (items) => (batches.push(items), items) });
			// As requests read in one turn: each submits from its own callback, not all at once.
			const submitted = Array.from({ length: 6 }, (_, i) => new Promise<number>((resolve) => setImmediate(() => void w.submit(i).then(resolve))));
			return Promise.all(submitted).then((out) => ({ out, batches }));
		};
		const apart = await run(false);
		const together = await run(true);
		expect(together.out).toEqual([0, 1, 2, 3, 4, 5]);
		expect(together.batches).toEqual([[0, 1, 2, 3, 4, 5]]);
		// Without it the first two each start a batch of their own (both slots free).
		expect(apart.batches.length).toBeGreaterThan(1);
	});

	it('runs a failed batch one by one only when retryAlone allows it', async () => {
		const runs: number[][] = [];
		const make = (retryAlone: boolean) =>
			new BatchedWriter<number, number>({
				retryAlone: () => retryAlone,
				run: async (items) => {
					runs.push(items);
					if (items.includes(3)) throw new Error('bad item');
					return items;
				}
			});
		const settle = (w: BatchedWriter<number, number>) => Promise.allSettled([1, 2, 3, 4].map((i) => w.submit(i)));
		expect((await settle(make(true))).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
		runs.length = 0;
		expect((await settle(make(false))).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
		// The first item went alone (nothing was in flight), the rest together; none again alone.
		expect(runs).toEqual([[1], [2, 3, 4]]);
	});
});
