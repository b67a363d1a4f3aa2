import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from '../csv/formula.ts';
import type { AuditRow } from './audit-log.ts';

/** A cell a spreadsheet shows as text: every formula starter gets a leading apostrophe. */
export const neutralise = (value: string): string => neutraliseFormula(value);

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
