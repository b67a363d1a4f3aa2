import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
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
 * escapes, CRLF/LF/CR), streaming: only the parser's current record is held. Blank lines are
 * returned as records with no non-blank value so row numbers match what a spreadsheet shows;
 * callers skip them.
 */
export async function* csvRecords(
	text: AsyncIterable<string>,
	found: { delimiter?: Delimiter } = {}
): AsyncGenerator<CsvRecord> {
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
		for await (const values of parser as AsyncIterable<string[]>) {
			row += 1;
			yield { row, values };
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

export function isBlank(values: string[]): boolean {
	return values.every((v) => v.trim() === '');
}
