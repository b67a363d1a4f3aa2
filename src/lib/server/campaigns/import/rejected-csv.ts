import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula as neutralise } from '../../csv/formula.ts';
import type { ImportReport } from './types.ts';

/** "=HYPERLINK(...)" in a name column must come back as text (the rule: csv/formula.ts). */
export const neutraliseFormula = (value: string): string => neutralise(value);

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
