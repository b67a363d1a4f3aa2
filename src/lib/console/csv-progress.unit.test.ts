import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { attachmentName, CsvRowCounter } from './csv-progress.ts';

describe('CsvRowCounter', () => {
	it('counts data rows across arbitrary chunk boundaries, ignoring line breaks and quotes inside cells', () => {
		const rows = [['id', 'body'], ['1', 'two\r\nlines'], ['2', 'say "hi", ok'], ['3', '"'], ['4', '']];
		const csv = stringify(rows, { record_delimiter: '\r\n' });
		for (const size of [1, 2, 3, 7, csv.length]) {
			const counter = new CsvRowCounter();
			const seen: number[] = [];
			for (let i = 0; i < csv.length; i += size) {
				counter.push(csv.slice(i, i + size));
				seen.push(counter.rows);
			}
			expect(counter.rows, `chunks of ${size}`).toBe(4);
			expect(seen).toEqual([...seen].sort((a, b) => a - b));
		}
		expect(new CsvRowCounter().rows).toBe(0);
	});

	it('reads the file name of an attachment', () => {
		expect(attachmentName('attachment; filename="messages-demo-2026.csv"', 'x.csv')).toBe('messages-demo-2026.csv');
		expect(attachmentName(null, 'x.csv')).toBe('x.csv');
	});
});
