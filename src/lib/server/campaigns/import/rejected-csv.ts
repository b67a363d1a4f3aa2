import { stringify } from 'csv-stringify/sync';
import type { ImportReport } from './types.ts';

// A cell starting with one of these runs as a formula when the file is opened in a spreadsheet
// (CSV injection): "=HYPERLINK(...)" in a name column must come back as text.
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
	return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The rows that will not be texted, as a CSV a person can fix and upload again: the original
 * columns, then the row number and the reason. UTF-8 with a BOM so Excel reads accents right.
 */
export function rejectedRowsCsv(report: Pick<ImportReport, 'columns' | 'rejected'>): string {
	const header = [...report.columns.map((c) => c.header), 'row', 'reason'];
	const rows = [...report.rejected]
		.sort((a, b) => a.row - b.row)
		.map((r) => [...report.columns.map((c) => r.values[c.index] ?? ''), String(r.row), r.reason]);
	return '\ufeff' + stringify([header, ...rows].map((cells) => cells.map(neutraliseFormula)), { record_delimiter: '\r\n' });
}
