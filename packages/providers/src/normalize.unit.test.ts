import { describe, expect, it } from 'vitest';
import { normalizeStatus } from './normalize.ts';

describe('normalizeStatus: sms-retail', () => {
	it.each([
		['delivered', 'delivered'],
		['sent', 'sent'],
		['failed', 'failed'],
		['undelivered', 'undelivered'],
		['pending', 'queued'],
		['queued', 'queued'],
		[' Delivered ', 'delivered'],
		['DELIVRD', 'unknown'], // 23telecom's word, not sms-retail's
		['accepted', 'unknown'],
		['', 'unknown']
	])('%s → %s', (raw, status) => {
		expect(normalizeStatus('sms-retail', raw)).toBe(status);
	});
});

describe('normalizeStatus: 23telecom', () => {
	it.each([
		['DELIVRD', 'delivered'],
		['SENT', 'sent'],
		['UNDELIV', 'undelivered'],
		['REJECTD', 'failed'],
		['EXPIRED', 'failed'],
		['PENDING', 'queued'],
		['delivrd', 'delivered'],
		['ACCEPTD', 'unknown'],
		['delivered', 'unknown'],
		['', 'unknown']
	])('%s → %s', (raw, status) => {
		expect(normalizeStatus('23telecom', raw)).toBe(status);
	});

	it('treats a missing status as unknown', () => {
		expect(normalizeStatus('23telecom', undefined)).toBe('unknown');
		expect(normalizeStatus('sms-retail', null)).toBe('unknown');
	});

	it('does not match inherited object keys', () => {
		expect(normalizeStatus('sms-retail', 'constructor')).toBe('unknown');
		expect(normalizeStatus('23telecom', '__proto__')).toBe('unknown');
	});
});
