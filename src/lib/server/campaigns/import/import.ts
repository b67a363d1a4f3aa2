import { templateVariables } from '@sms/twilio-service';
import { checkRow, type RowPlan } from './check-row.ts';
import {
	anonymousColumns,
	detectColumn,
	detectPhoneColumn,
	findColumn,
	headerColumns,
	looksLikeData,
	type ImportColumn
} from './columns.ts';
import { decodeText, type DecodeInfo } from './decode.ts';
import { Deduper } from './dedupe.ts';
import type { Delimiter } from './delimiter.ts';
import { ImportError } from './errors.ts';
import { estimateCost } from './estimate.ts';
import { IMPORT_LIMITS, type ImportLimits } from './limits.ts';
import { applyLookups } from './lookups.ts';
import { PhoneNormaliser } from './phone.ts';
import { csvRecordBatches, isBlank, type CsvRecord } from './records.ts';
import type { ImportOptions, ImportReport, InvalidRow, Recipient } from './types.ts';

// Rows read before the columns are decided: enough to find the phone column by content.
const SAMPLE_ROWS = 50;

/**
 * Reads a recipients CSV and reports, before anything is sent, what would be texted: rows,
 * valid, duplicates, invalid rows with reasons, and the estimated cost by country. Streams the
 * file (only the recipients it keeps stay in memory). Throws ImportError when the file as a
 * whole cannot be used (too big, not text, no phone column…).
 */
export async function importRecipients(source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<ImportReport> {
	const limits: ImportLimits = { ...IMPORT_LIMITS, ...options.limits };
	const decoded: DecodeInfo = { encoding: null, bytes: 0, bom: false };
	const found: { delimiter?: Delimiter } = {};
	const batches = csvRecordBatches(decodeText(source, limits, decoded), found)[Symbol.asyncIterator]();
	try {
		return await read(batches, options, limits, decoded, found);
	} finally {
		// Stopping early (too many rows, no phone column…) must still close the upload and the parser.
		await batches.return(undefined);
	}
}

async function read(
	batches: AsyncIterator<CsvRecord[]>,
	options: ImportOptions,
	limits: ImportLimits,
	decoded: DecodeInfo,
	found: { delimiter?: Delimiter }
): Promise<ImportReport> {
	const phones = new PhoneNormaliser(options.defaultCountry);

	// Header (or not) and the first rows, to decide the columns.
	const head: CsvRecord[] = [];
	// The records of the batch that completed the sample, after it.
	let rest: CsvRecord[] = [];
	let exhausted = false;
	while (head.length < SAMPLE_ROWS + 1) {
		const next = await batches.next();
		if (next.done) {
			exhausted = true;
			break;
		}
		const batch = next.value;
		let i = 0;
		for (; i < batch.length && head.length < SAMPLE_ROWS + 1; i += 1) {
			const record = batch[i] as CsvRecord;
			if (!isBlank(record.values)) head.push(record);
		}
		if (i < batch.length) rest = batch.slice(i);
	}
	const first = head[0];
	if (!first) {
		throw new ImportError({ code: 'empty', message: 'The file has no rows. Check that you chose the right file.' });
	}
	const hasHeader = !looksLikeData(first.values, phones);
	const width = Math.max(...head.map((r) => r.values.length));
	const columns = hasHeader ? headerColumns(first.values) : anonymousColumns(width);
	const data = hasHeader ? head.slice(1) : head;
	const plan = planColumns(columns, data, phones, options);

	const deduper = new Deduper(plan.phone, options.duplicates === 'when_rows_differ');
	const recipients: Recipient[] = [];
	const invalid: InvalidRow[] = [];
	const rejected: ImportReport['rejected'] = [];
	const repaired = { excelScientific: 0, missingPlus: 0 };
	let rows = 0;

	const take = (record: CsvRecord) => {
		rows += 1;
		if (rows > limits.maxRows) {
			throw new ImportError({
				code: 'too_many_rows',
				message: `The file has more than ${limits.maxRows.toLocaleString('en')} rows. Split it into smaller files and import them one at a time.`
			});
		}
		const outcome = checkRow(plan, phones, record.row, record.values);
		if (!outcome.ok) {
			invalid.push(outcome.invalid);
			rejected.push({ row: record.row, values: record.values, reason: outcome.invalid.reason });
			return;
		}
		if (!deduper.admit(outcome.recipient, record.values[plan.phone] ?? '')) {
			const duplicate = deduper.duplicates[deduper.duplicates.length - 1];
			rejected.push({ row: record.row, values: record.values, reason: `duplicate of row ${duplicate?.keptRow} (same number)` });
			return;
		}
		if (outcome.repaired === 'excel_scientific') repaired.excelScientific += 1;
		if (outcome.repaired === 'missing_plus') repaired.missingPlus += 1;
		recipients.push(outcome.recipient);
	};

	for (const record of data) take(record);
	for (const record of rest) if (!isBlank(record.values)) take(record);
	if (!exhausted) {
		for (let next = await batches.next(); !next.done; next = await batches.next()) {
			for (const record of next.value) if (!isBlank(record.values)) take(record);
		}
	}

	const kept = await applyLookups(recipients, plan, options.lookup, invalid, rejected);
	invalid.sort((a, b) => a.row - b.row);
	const name = (index: number | null) => (index === null ? null : (columns[index]?.header ?? null));
	const used = options.body === undefined ? [] : templateVariables(options.body);
	const provided = new Set(plan.columns.filter((c) => c.role !== 'phone').map((c) => c.variable));
	return {
		rows,
		valid: kept.length,
		duplicates: deduper.duplicates.length,
		invalid,
		duplicateRows: deduper.duplicates,
		columns: plan.columns,
		phoneColumn: name(plan.phone) as string,
		nameColumn: name(plan.name),
		timeZoneColumn: name(plan.timeZone),
		missingColumns: used.filter((v) => !provided.has(v)),
		encoding: decoded.encoding ?? 'utf-8',
		delimiter: found.delimiter ?? ',',
		hasHeader,
		repaired,
		estimate: await estimateCost(kept, options.prices),
		recipients: kept,
		rejected
	};
}

function planColumns(
	columns: ImportColumn[],
	sample: CsvRecord[],
	phones: PhoneNormaliser,
	options: ImportOptions
): RowPlan {
	const choose = (choice: string | number | null | undefined, label: string, detect: () => number | null) => {
		if (choice === null) return null;
		if (choice === undefined) return detect();
		const index = findColumn(columns, choice);
		if (index === null) {
			throw new ImportError({
				code: 'unknown_column',
				message: `There is no column "${choice}" for the ${label}. The columns are: ${columns.map((c) => c.header).join(', ')}.`
			});
		}
		return index;
	};
	const values = sample.map((r) => r.values);
	const phone = choose(options.phoneColumn, 'phone number', () => detectPhoneColumn(columns, values, phones));
	if (phone === null) {
		throw new ImportError({
			code: 'no_phone_column',
			message: `No column looks like phone numbers. Choose the phone column; the columns are: ${columns.map((c) => c.header).join(', ')}.`
		});
	}
	const name = choose(options.nameColumn, 'name', () => detectColumn(columns, 'name'));
	const timeZone = choose(options.timeZoneColumn, 'time zone', () => detectColumn(columns, 'time_zone'));
	const roles = columns.map((c): ImportColumn => ({
		...c,
		role: c.index === phone ? 'phone' : c.index === name ? 'name' : c.index === timeZone ? 'time_zone' : 'variable'
	}));
	return {
		columns: roles,
		phone,
		name: name === phone ? null : name,
		timeZone: timeZone === phone ? null : timeZone,
		body: options.body,
		requiredVars: options.requiredVars,
		maxSegments: options.maxSegments
	};
}
