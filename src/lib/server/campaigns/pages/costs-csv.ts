import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from '../import/index.ts';
import type { CostReport } from './costs.ts';

/** The cost report as one CSV: a section column, then the figures of each row. */
export function costReportCsv(report: CostReport): string {
	const rows: (string | number)[][] = [['section', 'key', 'texts', 'delivered', 'failed', 'cost', 'estimated', 'priced']];
	rows.push(['total', `${report.range.from}..${report.range.to}`, report.totals.texts, report.totals.delivered, report.totals.failed, report.totals.cost, '', report.totals.priced]);
	for (const s of report.byStatus) rows.push(['status', s.status, s.texts, '', '', '', '', '']);
	for (const c of report.byCountry) rows.push(['calling_code', c.callingCode || 'unknown', c.texts, c.delivered, c.failed, c.cost, '', c.priced]);
	for (const m of report.byMonth) rows.push(['month', m.month, m.texts, m.delivered, m.failed, m.cost, '', '']);
	for (const c of report.byCampaign) rows.push(['campaign', c.name, c.texts, '', '', c.actual, c.estimated, c.priced]);
	for (const e of report.errors) rows.push(['error', String(e.code), e.texts, '', '', '', '', '']);
	return '\ufeff' + stringify(rows.map((r) => r.map((v) => neutraliseFormula(String(v)))), { record_delimiter: '\r\n' });
}
