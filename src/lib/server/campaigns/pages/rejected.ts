/**
 * The rows of an upload that will not be texted, as a CSV to fix and upload again. Their cells
 * are stored sealed (packages/db/src/phone-import-report.ts): opened here for members allowed to
 * see numbers; everyone else gets the number cell as its last four digits and any number in
 * another cell masked — the same rule as every other number (phones/view.ts).
 */
import { PhoneCryptoError, maskedPhone, openRejectedCells, phoneCipher, type TransactionSql } from '@sms/db';
import { shownText } from '$lib/server/phones/view';
import { rejectedRowsCsv, type ImportColumn } from '../import/index.ts';

interface StoredRejectedRow {
	row: number;
	/** Sealed JSON array of the row's cells (an array in a report from before they were sealed). */
	values: string | string[];
	last4?: string | null;
	reason: string;
}

interface StoredReport {
	columns?: ImportColumn[];
	rejected?: StoredRejectedRow[];
}

function shownCells(r: StoredRejectedRow, phoneAt: number | null, showNumbers: boolean): string[] {
	let cells: string[];
	try {
		cells = openRejectedCells(phoneCipher(), r.values);
	} catch (error) {
		// Sealed under a key no longer configured: the row and its reason still come out.
		if (!(error instanceof PhoneCryptoError)) throw error;
		cells = [];
		if (phoneAt !== null) cells[phoneAt] = maskedPhone(r.last4);
		return cells.map((c) => c ?? '');
	}
	return cells.map((c, i) => shownText(c, showNumbers, i === phoneAt ? { last4: r.last4 } : null));
}

/** The rejected-rows CSV of an import (null: no such import in this workspace). */
export async function rejectedRowsFile(
	tx: TransactionSql,
	options: { organizationId: string; importId: string; showNumbers: boolean }
): Promise<{ csv: string; fileName: string } | null> {
	const [row] = await tx<{ report: StoredReport; file_name: string }[]>`
		select report, file_name from public.sms_campaign_imports where id = ${options.importId} and organization_id = ${options.organizationId}`;
	if (!row) return null;
	const columns = row.report.columns ?? [];
	const phoneAt = columns.find((c) => c.role === 'phone')?.index ?? null;
	const rejected = (row.report.rejected ?? []).map((r) => ({ row: r.row, values: shownCells(r, phoneAt, options.showNumbers), reason: r.reason }));
	const name = row.file_name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'list';
	return { csv: rejectedRowsCsv({ columns, rejected }), fileName: `${name}-rejected.csv` };
}
