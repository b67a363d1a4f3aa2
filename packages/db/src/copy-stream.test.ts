/**
 * COPY … TO STDOUT read through postgres.js's `.readable()` (the console's CSV exports) leaves
 * the connection usable: the last CopyData of a stream may pause the socket for backpressure,
 * and the stream, once ended, never reads again to resume it (porsager/postgres#499, fixed in
 * patches/postgres+3.4.9.patch). Unfixed, the next query on that connection waits for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase({ max: 1 });
});
afterAll(async () => {
	await t?.close();
});

describe('COPY TO STDOUT through postgres.js', () => {
	it('leaves the one connection usable after each of many streams, read slowly or fast', async () => {
		for (let i = 0; i < 30; i++) {
			const rows = await t.db.asUser({ sub: '00000000-0000-4000-8000-000000000001' }, async (tx) => {
				const stream = await tx.unsafe(`copy (select g, repeat('x', 100) from generate_series(1, 20000) g) to stdout (format csv)`).readable();
				let lines = 0;
				for await (const chunk of stream as AsyncIterable<Buffer>) {
					for (let k = chunk.indexOf(10); k !== -1; k = chunk.indexOf(10, k + 1)) lines++;
					// A slow reader now and then: the stream's buffer fills and the socket pauses.
					if (i % 3 === 0 && lines % 7 === 0) await new Promise((r) => setImmediate(r));
				}
				return lines;
			});
			expect(rows).toBe(20000);
			const [{ n }] = await t.sql<{ n: number }[]>`select ${i}::int as n`;
			expect(n).toBe(i);
		}
	}, 30_000);
});
