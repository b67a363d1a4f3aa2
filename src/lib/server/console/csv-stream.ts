import type { Claims, Db, TransactionSql } from '@sms/db';
import type { PendingQuery, Row } from 'postgres';
import { log } from '../log.ts';
import { csvRecords, type Cell } from './csv-records.ts';

export type { Cell };

/**
 * Rows per cursor fetch: large enough that round trips and per-batch work are a small share,
 * small enough that the batches in flight (one read ahead, two chunks queued) stay a few MB.
 */
export const CSV_BATCH_ROWS = 2000;

export type Lookup = <T>(fn: (tx: TransactionSql) => Promise<T>) => Promise<T>;

/** A row as the values of the select's columns, in order (cheaper to read than an object). */
export type Values = readonly unknown[];

export interface CsvExport<R extends Values> {
	db: Db;
	claims: Claims;
	/** Times are written in this zone, ISO 8601 with its offset. */
	timeZone: string;
	header: readonly string[];
	/**
	 * The rows, in order; read through a cursor, `batchSize` at a time. Wrapped in an object: a
	 * query is a thenable, and an async function returning it bare would run it whole.
	 */
	select: (tx: TransactionSql) => Promise<{ query: PendingQuery<Row[]> }>;
	/**
	 * One batch of rows → CSV records. Look-ups (user e-mails) go through `lookup`, a short
	 * transaction of their own as the same member: the cursor's connection is busy with the
	 * open portal, and a query queued behind it would wait for ever.
	 */
	records: (lookup: Lookup, rows: R[]) => Promise<Cell[][]>;
	batchSize?: number;
	/** Called after each batch is read from the cursor (tests count them). */
	onBatch?: (rows: number) => void;
}

/**
 * A CSV file streamed from a Postgres cursor: UTF-8 (with a BOM, for Excel), a header row, each
 * batch written as soon as it is read, and the next batch read only once the reader has taken
 * the previous ones (backpressure) — so memory stays flat however many rows there are. The
 * transaction (the member's, through RLS) stays open while the file downloads; a reader who
 * goes away ends it.
 */
export function csvStream<R extends Values>(o: CsvExport<R>): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	let cancelled = false;
	let wake: (() => void) | null = null;
	const line = (cells: Cell[][]) => encoder.encode(csvRecords(cells));
	const lookup: Lookup = (fn) => o.db.asUser(o.claims, fn);

	return new ReadableStream<Uint8Array>(
		{
			start(controller) {
				controller.enqueue(encoder.encode('\ufeff'));
				controller.enqueue(line([[...o.header]]));
				void o.db
					.asUser(o.claims, async (tx) => {
						// Times leave Postgres in its own ISO output (fast; isoTime below finishes them).
						await tx`select set_config('timezone', ${o.timeZone}, true), set_config('datestyle', 'ISO, YMD', true)`;
						const { query } = await o.select(tx);
						// Rows as arrays of values: a quarter cheaper to parse than objects. R names the
						// select's columns in order (the export keeps the two side by side).
						const cursor = query.values().cursor(o.batchSize ?? CSV_BATCH_ROWS) as unknown as AsyncIterable<R[]>;
						const batches = cursor[Symbol.asyncIterator]();
						try {
							// Read ahead: the next batch is asked for before this one is formatted, so
							// Postgres produces it while Node writes this one.
							// (A read-ahead left pending by a cancel must not become an unhandled rejection.)
							let next = Promise.resolve(batches.next());
							next.catch(() => {});
							for (;;) {
								const batch = await next;
								if (batch.done || cancelled) break;
								o.onBatch?.(batch.value.length);
								const records = await o.records(lookup, batch.value);
								next = Promise.resolve(batches.next());
								next.catch(() => {});
								const chunk = line(records);
								if (cancelled) break;
								controller.enqueue(chunk);
								while (!cancelled && (controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (wake = r));
							}
						} finally {
							await batches.return?.();
						}
					})
					.then(
						() => {
							if (!cancelled) controller.close();
						},
						(error: unknown) => {
							log.error({ err: error }, 'csv export failed');
							if (!cancelled) controller.error(error);
						}
					);
			},
			pull() {
				wake?.();
				wake = null;
			},
			cancel() {
				cancelled = true;
				wake?.();
				wake = null;
			}
		},
		{ highWaterMark: 2 }
	);
}

/**
 * A time column as Postgres writes it (DateStyle ISO, the session's zone — both set by
 * csvStream): "2026-12-01 10:00:00.123456-08". isoTime turns it into ISO 8601 with the offset.
 * (to_char in SQL did the same at a fifth of the export's database time.)
 */
export const pgTime = (column: string) => `${column}::text`;

/**
 * "2026-12-01 10:00:00.123456-08" (Postgres, DateStyle ISO) → "2026-12-01T10:00:00.123-08:00":
 * milliseconds always (truncated, as to_char's MS), the offset as ±hh:mm (an offset with seconds,
 * only ever a historical local mean time, keeps its hours and minutes).
 */
export function isoTime(pg: string | null): string | null {
	if (pg === null) return null;
	// The time is "hh:mm:ss" right after the date and a space; a fraction may follow.
	let end = 19;
	let ms = '000';
	if (pg.charCodeAt(19) === 46 /* . */) {
		end = 20;
		while (end < pg.length && pg.charCodeAt(end) >= 48 && pg.charCodeAt(end) <= 57) end++;
		ms = (pg.slice(20, end) + '00').slice(0, 3);
	}
	const offset = pg.slice(end);
	const hhmm = offset.length === 3 ? `${offset}:00` : offset.slice(0, 6);
	return `${pg.slice(0, 10)}T${pg.slice(11, 19)}.${ms}${hhmm}`;
}
