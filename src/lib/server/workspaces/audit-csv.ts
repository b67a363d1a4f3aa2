import { stringify } from 'csv-stringify/sync';
import type { AuditRow } from './audit-log.ts';

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell a spreadsheet shows as text: formula starters get a leading apostrophe. */
export function neutralise(value: string): string {
	return FORMULA_START.test(value) ? `'${value}` : value;
}

export const AUDIT_CSV_COLUMNS = ['time', 'actor', 'action', 'target_type', 'target_id', 'before', 'after', 'ip'] as const;

export function auditCsv(rows: readonly AuditRow[]): string {
	return stringify(
		rows.map((r) =>
			[
				r.createdAt,
				r.actorEmail ?? r.actorId ?? '',
				r.action,
				r.targetType ?? '',
				r.targetId ?? '',
				r.before ? JSON.stringify(r.before) : '',
				r.after ? JSON.stringify(r.after) : '',
				r.ip ?? ''
			].map(neutralise)
		),
		{ header: true, columns: [...AUDIT_CSV_COLUMNS], record_delimiter: '\r\n' }
	);
}
