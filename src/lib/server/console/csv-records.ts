import { stringify } from 'csv-stringify/sync';
import { safeCell } from './csv-cell.ts';

export type Cell = string | number | null;

// csv-stringify (default options) quotes a cell only when it holds the delimiter, the quote,
// a CR or a LF; any other cell it writes exactly as it is.
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell as csv-stringify writes it, formulas neutralised (numbers and phone numbers left
 * readable). Quoting and escaping stay csv-stringify's; only the cells it would leave alone skip
 * its per-cell machinery.
 */
export function csvField(cell: Cell): string {
	const value = cell === null ? '' : typeof cell === 'number' ? String(cell) : safeCell(cell);
	return NEEDS_QUOTES.test(value) ? stringify([[value]], { eof: false }) : value;
}

/**
 * Records as CSV lines, each ended with LF as Postgres's COPY ends its rows (the exports' rows
 * come from COPY; their header from here), formulas neutralised — each record byte for byte
 * what csv-stringify writes for the neutralised cells.
 */
export function csvRecords(records: readonly (readonly Cell[])[]): string {
	let out = '';
	for (const record of records) {
		for (let i = 0; i < record.length; i++) out += (i === 0 ? '' : ',') + csvField(record[i]!);
		out += '\n';
	}
	return out;
}
