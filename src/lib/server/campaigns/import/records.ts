import { Readable } from 'node:stream';
import { parse, CsvError, type Parser } from 'csv-parse';
import { detectDelimiter, type Delimiter } from './delimiter.ts';
import { ImportError } from './errors.ts';

export interface CsvRecord {
	/** The row number a spreadsheet shows for this record: the header is row 1, blank lines count. */
	row: number;
	values: string[];
}

const SAMPLE_CHARS = 64 * 1024;

/**
 * Parses decoded text into records with csv-parse (quoted fields, embedded newlines, `""`
 * escapes, CRLF/LF/CR), streaming: only the records of the chunk being parsed are held, and
 * they come in batches (one await per chunk, not per record). Blank lines are returned as
 * records with no non-blank value so row numbers match what a spreadsheet shows; callers skip them.
 */
export async function* csvRecordBatches(
	text: AsyncIterable<string>,
	found: { delimiter?: Delimiter } = {}
): AsyncGenerator<CsvRecord[]> {
	const iterator = text[Symbol.asyncIterator]();
	let sample = '';
	let done = false;
	while (sample.length < SAMPLE_CHARS) {
		const next = await iterator.next();
		if (next.done) {
			done = true;
			break;
		}
		sample += next.value;
	}
	const delimiter = found.delimiter ?? detectDelimiter(sample);
	found.delimiter = delimiter;

	async function* all(): AsyncGenerator<string> {
		if (sample) yield sample;
		if (done) return;
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
	}
	const input = Readable.from(all(), { objectMode: false });
	const parser = parse({
		delimiter,
		bom: true,
		relax_column_count: true,
		relax_quotes: true,
		// Files glued together from several sources mix line endings; accept all three everywhere.
		record_delimiter: ['\r\n', '\n', '\r'],
		skip_empty_lines: false,
		max_record_size: 1024 * 1024
	});
	input.on('error', (error) => parser.destroy(error));
	input.pipe(parser);
	let row = 0;
	try {
		for await (const batch of readBatches(parser)) {
			const records: CsvRecord[] = new Array(batch.length);
			for (let i = 0; i < batch.length; i += 1) {
				row += 1;
				records[i] = { row, values: batch[i] as string[] };
			}
			yield records;
		}
	} catch (error) {
		if (error instanceof CsvError) {
			// The stream may fail before the records it already parsed were read: its count is the truth.
			const parsed = (error as CsvError & { records?: number }).records;
			const after = Math.max(row, typeof parsed === 'number' ? parsed : 0);
			throw new ImportError({
				code: 'malformed_csv',
				message: `The file could not be read as CSV after row ${after}: ${error.message}. Check for an unclosed quote (") near that row.`,
				cause: error
			});
		}
		throw error;
	} finally {
		input.destroy();
		parser.destroy();
		await iterator.return?.();
	}
}

/**
 * Everything a readable object stream has buffered, each time it has some: what
 * `for await (const record of stream)` does, without a promise per record.
 */
async function* readBatches(stream: Readable | Parser): AsyncGenerator<unknown[]> {
	let wake: (() => void) | null = null;
	let finished = false;
	let failure: unknown = null;
	const poke = () => {
		const resolve = wake;
		wake = null;
		resolve?.();
	};
	const onEnd = () => {
		finished = true;
		poke();
	};
	const onError = (error: unknown) => {
		failure = error;
		onEnd();
	};
	stream.on('readable', poke);
	stream.on('end', onEnd);
	stream.on('close', onEnd);
	stream.on('error', onError);
	try {
		for (;;) {
			const batch: unknown[] = [];
			for (let record: unknown = stream.read(); record !== null; record = stream.read()) batch.push(record);
			if (batch.length > 0) {
				yield batch;
				continue;
			}
			if (failure !== null) throw failure;
			if (finished) return;
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
	} finally {
		stream.off('readable', poke);
		stream.off('end', onEnd);
		stream.off('close', onEnd);
		stream.off('error', onError);
	}
}

export function isBlank(values: string[]): boolean {
	return values.every((v) => v.trim() === '');
}
