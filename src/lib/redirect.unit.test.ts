import { describe, expect, it } from 'vitest';
import { DEFAULT_AFTER_LOGIN, loginUrl, safeRedirectTarget } from './redirect.ts';

describe('safeRedirectTarget', () => {
	it.each([
		['/history', '/history'],
		['/history?verdict=failed#x', '/history?verdict=failed#x'],
		['/settings/sms', '/settings/sms'],
		['/a/../history', '/history']
	])('keeps the same-site path %s', (input, expected) => {
		expect(safeRedirectTarget(input)).toBe(expected);
	});

	it.each([
		[null],
		[undefined],
		[''],
		['history'],
		['//evil.example/x'],
		['/\\evil.example'],
		['https://evil.example/'],
		['javascript:alert(1)'],
		['/login'],
		['/logout'],
		['/x\u0000y'],
		['/' + 'a'.repeat(3000)]
	])('falls back for %j', (input) => {
		expect(safeRedirectTarget(input)).toBe(DEFAULT_AFTER_LOGIN);
	});

	// The raw input starts with a single "/", but URL parsing collapses the dot segments and
	// leaves "//evil.example": what is returned must be checked, not what was given.
	it.each([['/.//evil.example'], ['/..//evil.example'], ['/%2e//evil.example'], ['/%2E%2E//evil.example'], ['/a/..//evil.example/x']])(
		'never returns a protocol-relative URL for %j',
		(input) => {
			const out = safeRedirectTarget(input);
			expect(out.startsWith('//')).toBe(false);
			expect(new URL(out, 'https://app.example').origin).toBe('https://app.example');
		}
	);

	it('uses the given fallback', () => {
		expect(safeRedirectTarget('//x', '/')).toBe('/');
	});
});

describe('loginUrl', () => {
	it('carries the path and query to come back to', () => {
		expect(loginUrl(new URL('http://localhost/history?verdict=failed'))).toBe(
			'/login?redirectTo=%2Fhistory%3Fverdict%3Dfailed'
		);
	});
});
