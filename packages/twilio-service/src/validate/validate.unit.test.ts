import { describe, expect, it } from 'vitest';
import { isE164, isValidTimeZone, mediaType } from './index.ts';

// SQL parity for isE164 and isValidTimeZone: supabase/tests/validators-parity.test.ts.
describe('isE164', () => {
	it.each([
		['+14155552671', true],
		['+447911123456', true],
		['+123456789012345', true], // 15 digits, the longest E.164 allows
		['+1234567', true], // 7 digits, the shortest we accept
		['+123456', false], // 6: the old {1,14} pattern let this (and "+12") through
		['+12', false],
		['+1234567890123456', false],
		['14155552671', false],
		['+0123456', false],
		['+1 415 555 2671', false],
		['+14155552671\n', false],
		['', false],
		[null, false],
		[14155552671, false]
	])('%j → %s', (input, expected) => {
		expect(isE164(input)).toBe(expected);
	});
});

describe('isValidTimeZone', () => {
	it.each([
		['America/New_York', true],
		['Europe/London', true],
		['UTC', true],
		['Mars/Olympus', false],
		['', false],
		['   ', false],
		['+25:00', false],
		['A'.repeat(65), false],
		[undefined, false]
	])('%j → %s', (zone, expected) => {
		expect(isValidTimeZone(zone)).toBe(expected);
	});

	it('gives the same answer the second time (answers are cached)', () => {
		expect([isValidTimeZone('Mars/Olympus'), isValidTimeZone('Mars/Olympus')]).toEqual([false, false]);
		expect([isValidTimeZone('Asia/Tokyo'), isValidTimeZone('Asia/Tokyo')]).toEqual([true, true]);
	});
});

describe('mediaType', () => {
	it.each([
		['application/json', 'application/json'],
		['Application/JSON; charset=utf-8', 'application/json'],
		['  application/x-www-form-urlencoded ;charset=UTF-8', 'application/x-www-form-urlencoded'],
		['multipart/form-data; boundary=a;b', 'multipart/form-data'],
		['', ''],
		[null, ''],
		[undefined, '']
	])('%j → %j', (header, expected) => {
		expect(mediaType(header)).toBe(expected);
	});
});
