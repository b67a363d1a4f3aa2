import { describe, expect, it } from 'vitest';
import {
	FINAL_STATUSES,
	MESSAGE_STATUSES,
	STATUS_RANK,
	TWILIO_STATUSES,
	isFinal,
	normalizeTwilioStatus,
	shouldApply,
	statusRank,
	type MessageStatus
} from './index.ts';

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

describe('ranks', () => {
	it('orders the lifecycle forward, with every final state on the top rank', () => {
		const lifecycle = ['pending', 'dispatching', 'queued', 'sending', 'sent', 'delivered'] as const;
		const ranks = lifecycle.map((s) => statusRank(s));
		expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
		expect(new Set(ranks).size).toBe(ranks.length);
		for (const s of FINAL_STATUSES) expect(statusRank(s)).toBe(statusRank('delivered'));
		expect(statusRank('scheduled')).toBe(statusRank('pending'));
		expect(statusRank('sent')).toBe(4);
	});

	it.each(MESSAGE_STATUSES.map((s) => [s, STATUS_RANK[s] === 5] as const))('isFinal(%s) = %s', (status, final) => {
		expect(isFinal(status)).toBe(final);
	});
});

describe('shouldApply', () => {
	it.each<[MessageStatus, MessageStatus, boolean]>([
		['pending', 'dispatching', true],
		['dispatching', 'queued', true],
		['queued', 'sent', true],
		['queued', 'delivered', true],
		['sent', 'delivered', true],
		['sent', 'undelivered', true],
		['pending', 'suppressed', true],
		['scheduled', 'canceled', true],
		['sending', 'failed', true],
		// backwards or sideways
		['sent', 'queued', false],
		['sent', 'sending', false],
		['delivered', 'sent', false],
		['failed', 'queued', false],
		['pending', 'scheduled', false],
		['scheduled', 'pending', false],
		// duplicates are no-ops
		['sent', 'sent', false],
		['delivered', 'delivered', false],
		// among finals: delivered wins, otherwise the first final stands
		['undelivered', 'delivered', true],
		['failed', 'delivered', true],
		['canceled', 'delivered', false],
		['suppressed', 'delivered', false],
		['received', 'delivered', false],
		['delivered', 'undelivered', false],
		['delivered', 'failed', false],
		['undelivered', 'failed', false],
		['failed', 'undelivered', false],
		['suppressed', 'failed', false]
	])('%s → %s: %s', (current, next, expected) => {
		expect(shouldApply(current, next)).toBe(expected);
	});
});
