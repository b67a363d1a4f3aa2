import type { Readable } from 'node:stream';
import type { Claims, Db, TransactionSql } from '@sms/db';
import { log } from '../log.ts';
import { NodeCells, type CellKinds } from './csv-cells.ts';
import { csvRecords } from './csv-records.ts';

export type Lookup = <T>(fn: (tx: TransactionSql) => Promise<T>) => Promise<T>;

export interface CsvExport {
	db: Db;
	claims: Claims;
	/** Times are written in this zone, ISO 8601 with its offset (csvTime). */
	timeZone: string;
	header: readonly string[];
	/**
	 * The cells only Node can make, by kind. Look-ups (user e-mails) go through `lookup`, a short
	 * transaction of their own as the same member: the export's connection is busy with the COPY.
	 */
	cells: (lookup: Lookup) => CellKinds;
	/**
	 * The SELECT whose rows are the file, as SQL text (COPY takes no bind parameters: values
	 * reach it as literals quoted by SQL, public.console_export_where), one column per header
	 * name in order, text cells through csvText, Node's cells through `cells.sql`.
	 */
	select: (tx: TransactionSql, cells: NodeCells) => Promise<string>;
	/** Called with each chunk's size as it is read from Postgres (tests watch the streaming). */
	onChunk?: (bytes: number) => void;
}

/** A text column as a cell: formulas neutralised (public.console_csv_text, formula.ts's rule), '' as an empty field. */
export const csvText = (sql: string) => `nullif(public.console_csv_text(${sql}), '')`;

/** A time column in the session's zone (set by csvStream), ISO 8601 with the offset: 2026-12-01T10:00:00.123-08:00. */
export const csvTime = (sql: string) => `to_char(${sql}, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM')`;

/**
 * A CSV file streamed from Postgres: UTF-8 (with a BOM, for Excel) and a header row from here,
 * then the rows as `COPY (select …) TO STDOUT (format csv)` writes them — Postgres quotes every
 * cell; Node only replaces the placeholders of the cells only it can make (NodeCells) — each
 * chunk passed on as soon as it arrives and the next read only once the reader has taken the
 * previous ones (backpressure reaches Postgres through the socket), so memory stays flat however
 * many rows there are. The transaction (the member's, through RLS) stays open while the file
 * downloads; a reader who goes away cancels the COPY and ends it.
 */
export function csvStream(o: CsvExport): ReadableStream<Uint8Array> {
	let cancelled = false;
	let wake: (() => void) | null = null;
	let stop: (() => Promise<void>) | null = null;
	let stopped: Promise<void> | null = null;
	const lookup: Lookup = (fn) => o.db.asUser(o.claims, fn);
	const cells = new NodeCells(o.cells(lookup));

	return new ReadableStream<Uint8Array>(
		{
			start(controller) {
				controller.enqueue(new TextEncoder().encode('\ufeff' + csvRecords([o.header])));
				void o.db
					.asUser(o.claims, async (tx) => {
						// The whole file is one COPY: a statement_timeout set for the web's roles (Supabase
						// sets one) would cut a large export off. It gets its own, generous bound instead; a
						// reader who leaves cancels it sooner.
						await tx`select set_config('timezone', ${o.timeZone}, true), set_config('datestyle', 'ISO, YMD', true),
							set_config('statement_timeout', ${EXPORT_STATEMENT_TIMEOUT}, true)`;
						const select = await o.select(tx, cells);
						if (cancelled) return;
						const query = tx.unsafe(`copy (${select}) to stdout (format csv)`);
						const copy = copyBatches((await query.readable()) as Readable);
						let ended = false;
						// Cancelling the statement (not destroying the stream, whose socket would stay paused).
						stop = async () => {
							if (!ended) await Promise.resolve(query.cancel()).catch(() => {});
						};
						if (cancelled) stopped = stop();
						try {
							for await (const chunk of copy) {
								// After a cancel: drain what is in flight until Postgres stops the COPY.
								if (cancelled) continue;
								o.onChunk?.(chunk.length);
								const pushed = cells.push(chunk);
								const out = pushed instanceof Promise ? await pushed : pushed;
								if (cancelled) continue;
								if (out.length > 0) controller.enqueue(out);
								while (!cancelled && (controller.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (wake = r));
							}
							ended = true;
						} catch (error) {
							ended = true;
							if (!cancelled) throw error;
						}
						// The cancel request reached the server before this connection goes back to the pool.
						await stopped;
						if (cancelled) throw new ExportCancelled();
						const rest = cells.end();
						if (rest.length > 0) controller.enqueue(rest);
					})
					.then(
						() => {
							if (!cancelled) controller.close();
						},
						(error: unknown) => {
							if (error instanceof ExportCancelled) return;
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
				stopped = stop ? stop() : null;
				wake?.();
				wake = null;
			}
		},
		{ highWaterMark: 2 }
	);
}

/** The longest one export may take (a 10M-row file at 100k rows/s takes under 2 minutes). */
export const EXPORT_STATEMENT_TIMEOUT = '1h';

/** Bytes per chunk handed on (each a copy of many COPY rows). */
const BATCH_BYTES = 64 * 1024;
/** Chunks kept ready before the COPY stream is paused (its socket then pauses: backpressure). */
const BATCHES_AHEAD = 4;

/**
 * COPY's rows (one small Buffer each, as postgres.js reads them) copied as they arrive into
 * chunks of BATCH_BYTES. Taking each row at once, rather than letting rows wait in the stream's
 * buffer, lets a million short-lived objects die young: left waiting while the chunk before was
 * handled, they outlived the young heap and were promoted (~50 MB of old-space garbage per
 * major collection, the export's RSS growth).
 */
export async function* copyBatches(stream: Readable, size = BATCH_BYTES): AsyncGenerator<Buffer> {
	let buf = Buffer.allocUnsafe(size);
	let used = 0;
	const ready: Buffer[] = [];
	let ended = false;
	let failed: { error: unknown } | null = null;
	let notify: (() => void) | null = null;
	const wake = () => {
		notify?.();
		notify = null;
	};
	const flush = () => {
		if (used === 0) return;
		ready.push(buf.subarray(0, used));
		buf = Buffer.allocUnsafe(size);
		used = 0;
	};
	stream.on('data', (row: Buffer) => {
		if (row.length > size - used) {
			flush();
			if (row.length > size) ready.push(Buffer.from(row));
			else used = row.copy(buf, 0);
		} else used += row.copy(buf, used);
		if (ready.length >= BATCHES_AHEAD) stream.pause();
		if (ready.length > 0) wake();
	});
	stream.on('end', () => {
		flush();
		ended = true;
		wake();
	});
	stream.on('error', (error: unknown) => {
		failed = { error };
		wake();
	});
	for (;;) {
		const next = ready.shift();
		if (next) {
			if (ready.length < BATCHES_AHEAD && stream.isPaused() && !ended) stream.resume();
			yield next;
			continue;
		}
		if (failed) throw (failed as { error: unknown }).error;
		if (ended) return;
		// Rows arrive one by one: a partly filled chunk goes on when nothing else is waiting.
		if (used > 0 && stream.readableLength === 0) {
			flush();
			continue;
		}
		await new Promise<void>((r) => (notify = r));
	}
}

/** The reader went away: the transaction rolls back, nothing is logged as failed. */
class ExportCancelled extends Error {
	constructor() {
		super('the reader cancelled the export');
	}
}
