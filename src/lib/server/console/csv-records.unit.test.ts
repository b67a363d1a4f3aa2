import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { safeCell } from './csv-cell.ts';
import { csvRecords, type Cell } from './csv-records.ts';

/** A seeded generator (mulberry32), so a failure replays. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const ALPHABET = ['a', 'Z', '0', '7', ' ', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', "'", ';', 'é', '😀', '(', ')', '.'];

function randomCell(r: () => number): Cell {
	const k = r();
	if (k < 0.1) return null;
	if (k < 0.2) return Math.round((r() - 0.5) * 1e6) / 1e4;
	return Array.from({ length: Math.floor(r() * 12) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
}

describe('csvRecords', () => {
	it('writes each record exactly as csv-stringify does, after neutralising (2,000 random records)', () => {
		const r = rng(12);
		const records = Array.from({ length: 2000 }, () => Array.from({ length: 1 + Math.floor(r() * 6) }, () => randomCell(r)));
		// Each record as csv-stringify writes it (its default options quote any cell with a CR or
		// LF), ended with LF (as COPY ends the rows that follow the header).
		const expected = records
			.map((rec) => stringify([rec.map((c) => (c === null ? '' : typeof c === 'number' ? String(c) : safeCell(c)))], { eof: false }) + '\n')
			.join('');
		expect(csvRecords(records)).toBe(expected);
	});

	it('neutralises formulas and reads back as the cells', () => {
		const out = csvRecords([['=HYPERLINK("http://x","y")', '+1 415 555 0123', 'Ada, "the first"\nLovelace', '@SUM(A1)', -0.0079, null]]);
		expect(parse(out, { relax_column_count: true })).toEqual([["'=HYPERLINK(\"http://x\",\"y\")", '+1 415 555 0123', 'Ada, "the first"\nLovelace', "'@SUM(A1)", '-0.0079', '']]);
	});
});
