import { describe, expect, it } from 'vitest';
// The transition rule, ranks and finality live in SQL only: supabase/tests/status-parity.test.ts.
import { TWILIO_STATUSES, normalizeTwilioStatus, type MessageStatus } from './index.ts';

describe('normalizeTwilioStatus', () => {
	it.each<[string | null | undefined, MessageStatus | null]>([
		['accepted', 'queued'],
		['scheduled', 'queued'],
		['queued', 'queued'],
		['sending', 'sending'],
		['sent', 'sent'],
		['delivered', 'delivered'],
		['read', 'delivered'],
		['undelivered', 'undelivered'],
		['failed', 'failed'],
		['canceled', 'canceled'],
		['receiving', null],
		['received', null],
		['partially_delivered', null],
		[' Delivered ', 'delivered'],
		['SENT', 'sent'],
		['bogus', null],
		['', null],
		['constructor', null],
		[null, null],
		[undefined, null]
	])('%j → %j', (raw, expected) => {
		expect(normalizeTwilioStatus(raw)).toBe(expected);
	});

	it('maps every outbound Twilio status', () => {
		const unmapped = TWILIO_STATUSES.filter((raw) => normalizeTwilioStatus(raw) === null);
		expect(unmapped).toEqual(['receiving', 'received', 'partially_delivered']);
	});
});
