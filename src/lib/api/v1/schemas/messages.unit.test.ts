import { describe, expect, it } from 'vitest';
import { validationProblem, zodIssues } from '../problems.ts';
import { BatchRequest, ListMessagesQuery, SendMessageRequest } from './messages.ts';
import { PutContactRequest } from './contacts.ts';

const ok = { to: { phone: '+14155552671' }, body: 'Your task is due soon' };
const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

/** The fields a 422 would name, first one first. */
function fieldsAtFault(value: unknown, schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } } = SendMessageRequest) {
	const r = schema.safeParse(value);
	if (r.success) return [];
	const p = validationProblem(zodIssues(r.error as never));
	expect(p.status).toBe(422);
	expect(p.field).toBe(p.errors![0].field);
	return p.errors!.map((e) => e.field);
}

describe('SendMessageRequest', () => {
	it('accepts each recipient form, a template with variables, and defaults priority to normal', () => {
		for (const to of [
			{ userId: '3f2b8c1e-5a7d-4e2f-9c3b-1a2b3c4d5e6f' },
			{ contactId: '3f2b8c1e-5a7d-4e2f-9c3b-1a2b3c4d5e6f' },
			{ externalId: 'crm-1' },
			{ externalId: 'crm-1', name: 'Ada', phone: '+447700900123', attributes: { tier: 'gold' } },
			{ phone: '+14155552671' }
		]) {
			expect(SendMessageRequest.safeParse({ ...ok, to }).success, JSON.stringify(to)).toBe(true);
		}
		const parsed = SendMessageRequest.parse({ to: ok.to, template: 'task_reminder', variables: { task: 'x', n: 3 }, sendAt: days(2), metadata: { eventId: 'e1' } });
		expect(parsed.priority).toBe('normal');
	});

	it.each([
		['a phone that is not one', { ...ok, to: { phone: '555-1234' } }, 'to.phone'],
		['letters in the phone', { ...ok, to: { phone: '+1800FLOWERS' } }, 'to.phone'],
		['no recipient', { ...ok, to: {} }, 'to'],
		['two recipients', { ...ok, to: { userId: '3f2b8c1e-5a7d-4e2f-9c3b-1a2b3c4d5e6f', contactId: '3f2b8c1e-5a7d-4e2f-9c3b-1a2b3c4d5e6f' } }, 'to.contactId'],
		['name without externalId', { ...ok, to: { phone: '+14155552671', name: 'Ada' } }, 'to.name'],
		['a user id that is not a uuid', { ...ok, to: { userId: '42' } }, 'to.userId'],
		['an unknown recipient field', { ...ok, to: { phone: '+14155552671', email: 'a@b.c' } }, 'to'],
		['a bad external id', { ...ok, to: { externalId: 'has space' } }, 'to.externalId'],
		['no body and no template', { to: ok.to }, 'body'],
		['both body and template', { ...ok, template: 'task_reminder' }, 'body'],
		['an empty body', { ...ok, body: '   ' }, 'body'],
		['a body over 1600 characters', { ...ok, body: 'x'.repeat(1601) }, 'body'],
		['variables without a template', { ...ok, variables: { a: 1 } }, 'variables'],
		['a variable that is an object', { to: ok.to, template: 't', variables: { a: { b: 1 } } }, 'variables.a'],
		['a bad template key', { to: ok.to, template: 'Not A Key' }, 'template'],
		['a bad type', { ...ok, type: 'Task Reminder' }, 'type'],
		['an unknown priority', { ...ok, priority: 'asap' }, 'priority'],
		['sendAt in the past', { ...ok, sendAt: days(-1) }, 'sendAt'],
		['sendAt beyond 35 days', { ...ok, sendAt: days(36) }, 'sendAt'],
		['sendAt without a zone', { ...ok, sendAt: '2026-12-24T09:00:00' }, 'sendAt'],
		['metadata that is an array', { ...ok, metadata: [1, 2] }, 'metadata'],
		['metadata over 8 KB', { ...ok, metadata: { big: 'x'.repeat(9000) } }, 'metadata'],
		['an unknown field', { ...ok, sender: 'me' }, '(body)']
	])('names the field for %s', (_what, body, field) => {
		expect(fieldsAtFault(body)[0]).toBe(field);
	});

	it('accepts sendAt within the clock-skew allowance and at 35 days', () => {
		expect(fieldsAtFault({ ...ok, sendAt: new Date(Date.now() - 30_000).toISOString() })).toEqual([]);
		expect(fieldsAtFault({ ...ok, sendAt: days(34.99) })).toEqual([]);
	});

	it('refuses a body that is not an object', () => {
		expect(fieldsAtFault([ok])).toEqual(['(body)']);
		expect(fieldsAtFault('hello')).toEqual(['(body)']);
	});
});

describe('BatchRequest', () => {
	it('takes 1 to 1000 messages and names messages for 0 or 1001', () => {
		expect(fieldsAtFault({ messages: Array(1000).fill(ok) }, BatchRequest)).toEqual([]);
		expect(fieldsAtFault({ messages: Array(1001).fill(ok) }, BatchRequest)).toEqual(['messages']);
		expect(fieldsAtFault({ messages: [] }, BatchRequest)).toEqual(['messages']);
		expect(fieldsAtFault({ messages: 'all' }, BatchRequest)).toEqual(['messages']);
	});
});

describe('ListMessagesQuery', () => {
	it('coerces limit, and names bad filters', () => {
		expect(ListMessagesQuery.parse({ limit: '10' }).limit).toBe(10);
		expect(ListMessagesQuery.parse({}).limit).toBe(25);
		expect(fieldsAtFault({ limit: '1000' }, ListMessagesQuery)).toEqual(['limit']);
		expect(fieldsAtFault({ status: 'lost' }, ListMessagesQuery)).toEqual(['status']);
		expect(fieldsAtFault({ createdAfter: 'yesterday' }, ListMessagesQuery)).toEqual(['createdAfter']);
		expect(fieldsAtFault({ colour: 'red' }, ListMessagesQuery)).toEqual(['(body)']);
	});
});

describe('PutContactRequest', () => {
	it('needs a phone and checks the time zone', () => {
		expect(fieldsAtFault({ name: 'Ada', phone: '+447700900123', timeZone: 'Europe/London' }, PutContactRequest)).toEqual([]);
		expect(fieldsAtFault({ name: 'Ada' }, PutContactRequest)).toEqual(['phone']);
		expect(fieldsAtFault({ phone: '+447700900123', timeZone: 'Mars/Base' }, PutContactRequest)).toEqual(['timeZone']);
	});
});
