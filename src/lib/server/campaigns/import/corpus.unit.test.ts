/**
 * The messy-CSV corpus: every file in tests/fixtures/csv has a `.expected.json` beside it with
 * the options it is imported with and the report a person must see.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importRecipients, ImportError, type ImportOptions } from './index.ts';

const dir = path.resolve('tests/fixtures/csv');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.csv'));

interface Expected {
	options: ImportOptions;
	error?: { code: string; message: string };
	[key: string]: unknown;
}

describe('CSV corpus', () => {
	it('has an expected report for every fixture', () => {
		expect(fixtures.length).toBeGreaterThanOrEqual(12);
		for (const f of fixtures) expect(readdirSync(dir)).toContain(f.replace(/\.csv$/, '.expected.json'));
	});

	it.each(fixtures)('%s', async (file) => {
		const expected = JSON.parse(readFileSync(path.join(dir, file.replace(/\.csv$/, '.expected.json')), 'utf8')) as Expected;
		const run = importRecipients(createReadStream(path.join(dir, file)), expected.options);
		if (expected.error) {
			const error = await run.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(ImportError);
			expect({ code: (error as ImportError).code, message: (error as ImportError).message }).toEqual(expected.error);
			return;
		}
		const r = await run;
		expect({
			options: expected.options,
			rows: r.rows,
			valid: r.valid,
			duplicates: r.duplicates,
			encoding: r.encoding,
			delimiter: r.delimiter,
			hasHeader: r.hasHeader,
			phoneColumn: r.phoneColumn,
			nameColumn: r.nameColumn,
			timeZoneColumn: r.timeZoneColumn,
			columns: r.columns.map((c) => ({ header: c.header, variable: c.variable, role: c.role })),
			invalid: r.invalid.map(({ row, column, value, code, reason }) => ({ row, column, value, code, reason })),
			duplicateRows: r.duplicateRows.map(({ row, keptRow, phone }) => ({ row, keptRow, phone })),
			recipients: r.recipients.map((x) => ({ row: x.row, phone: x.phone, country: x.country, name: x.name })),
			repaired: r.repaired
		}).toEqual(expected);
		// Every row read is accounted for exactly once.
		expect(r.valid + r.duplicates + r.invalid.length).toBe(r.rows);
	});
});
