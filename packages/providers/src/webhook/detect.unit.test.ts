import { describe, expect, it } from 'vitest';
import { detectProvider } from './detect.ts';

describe('detectProvider', () => {
	it.each([
		[{ messageId: 'abc-123', status: 'DELIVRD' }, '23telecom'],
		[{ message_id: 'abc-123', status: 'DELIVRD' }, '23telecom'],
		[{ messageId: 987, status: 'SENT' }, '23telecom'],
		// messageId wins over a numeric id: the seed checks it first
		[{ messageId: 'x', id: 5 }, '23telecom'],
		[{ id: 12345, status: 'delivered' }, 'sms-retail'],
		[{ id: '12345', status: 'delivered' }, 'sms-retail'],
		[{ id: 0, status: 'sent' }, 'sms-retail']
	])('%j → %s', (payload, provider) => {
		expect(detectProvider(payload)).toBe(provider);
	});

	it.each([
		[{ id: 'abc', status: 'delivered' }],
		[{ id: 1.5 }],
		[{ id: null }],
		[{ messageId: '' , status: 'x'}],
		[{ messageId: '   ' }],
		[{ status: 'delivered' }],
		[{ MessageSid: 'SM123', MessageStatus: 'delivered' }],
		[[{ id: 1 }]],
		['{"id":1}'],
		[42],
		[null]
	])('%j → unknown', (payload) => {
		expect(detectProvider(payload)).toBeNull();
	});
});
