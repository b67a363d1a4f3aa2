import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, explainError, isRetryableError, type ErrorScope } from './index.ts';

const REQUIRED = [
	20003, 20429, 21211, 21408, 21606, 21610, 21611, 21612, 21614, 21617, 30001, 30002, 30003, 30004,
	30005, 30006, 30007, 30008, 30009, 30010, 30017, 30019, 30022, 30023, 30027, 30032, 30033, 30034,
	30035, 30036, 30450, 60200, 60202, 60203, 60212
];

describe('explainError', () => {
	it.each(REQUIRED)('catalogues %i with a full explanation', (code) => {
		const result = explainError(code);
		expect(result.code).toBe(code);
		expect(result.title).not.toMatch(/^Twilio error/);
		expect(result.explanation.length).toBeGreaterThan(20);
		expect(result.action.length).toBeGreaterThan(10);
	});

	it.each<[number, boolean, ErrorScope]>([
		[20003, false, 'account'],
		[20429, true, 'none'],
		[21211, false, 'number'],
		[21408, false, 'account'],
		[21610, false, 'number'],
		[21611, true, 'none'],
		[21614, false, 'number'],
		[21617, false, 'content'],
		[30001, true, 'none'],
		[30002, false, 'account'],
		[30003, true, 'number'],
		[30005, false, 'number'],
		[30006, false, 'number'],
		[30007, false, 'content'],
		[30008, true, 'none'],
		[30017, true, 'none'],
		[30023, true, 'account'],
		[30034, false, 'account'],
		[30450, true, 'number'],
		[60202, false, 'none'],
		[60203, true, 'none']
	])('%i: retryable=%s scope=%s', (code, retryable, scope) => {
		expect(explainError(code)).toMatchObject({ retryable, scope });
		expect(isRetryableError(code)).toBe(retryable);
	});

	it('explains STOP in terms of what the person can do', () => {
		expect(explainError(21610).action).toMatch(/START/);
	});

	it.each([
		['string code', '30003', 30003],
		['padded string', ' 21610 ', 21610]
	])('accepts a %s', (_name, input, code) => {
		expect(explainError(input).code).toBe(code);
		expect(explainError(input).title).toBe(ERROR_CATALOGUE[code]?.title);
	});

	it.each([
		['unknown code', 12345, 12345],
		['unknown string code', '99999', 99999]
	])('%s gets a safe generic answer', (_name, input, code) => {
		const result = explainError(input);
		expect(result).toMatchObject({ code, retryable: false, scope: 'none' });
		expect(result.explanation).toContain(String(code));
		expect(isRetryableError(input)).toBe(false);
	});

	it.each([null, undefined, '', 'abc', 0, -5, 1.5])('no usable code (%s) → code null', (input) => {
		expect(explainError(input)).toMatchObject({ code: null, retryable: false, scope: 'none' });
	});
});
