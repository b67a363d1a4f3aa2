import { describe, expect, it } from 'vitest';
import { parseContactForm, zonedToUtc } from './contact-form.ts';

const base = {
	name: 'Ada Lovelace',
	phone: '(415) 555-0123',
	country: 'US',
	timeZone: '',
	externalId: '',
	tags: '',
	attributes: '',
	consentSource: '',
	consentedAt: ''
};
const parse = (over: Partial<typeof base>) => parseContactForm({ ...base, ...over }, { zone: 'America/New_York' });

describe('contactSchema', () => {
	it("normalises the phone in the chosen country and empties optional fields to null", () => {
		const r = parse({});
		expect(r.ok && r.contact).toEqual({
			name: 'Ada Lovelace',
			phoneNumber: '+14155550123',
			timeZone: null,
			externalId: null,
			tags: [],
			attributes: {},
			consentSource: null,
			consentedAt: null
		});
	});

	it('reads tags, attributes and the consent time (in the workspace zone)', () => {
		const r = parse({
			tags: 'vip, Newsletter,VIP,, ',
			attributes: 'plan = gold\r\nfirst_name=Ada\n\n',
			consentSource: 'web form',
			consentedAt: '2026-03-01T09:30',
			externalId: ' crm-42 ',
			timeZone: 'Europe/London'
		});
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.contact.tags).toEqual(['vip', 'Newsletter']);
		expect(r.contact.attributes).toEqual({ plan: 'gold', first_name: 'Ada' });
		expect(r.contact.consentedAt?.toISOString()).toBe('2026-03-01T14:30:00.000Z');
		expect(r.contact.externalId).toBe('crm-42');
		expect(r.contact.timeZone).toBe('Europe/London');
	});

	it('names the field for each mistake', () => {
		const r = parse({ name: ' ', phone: '555', timeZone: 'Mars/Olympus', attributes: 'no equals sign', consentedAt: '2999-01-01T00:00' });
		expect(r.ok).toBe(false);
		if (r.ok) return;
		const errors = r.errors;
		expect(Object.keys(errors).sort()).toEqual(['attributes', 'consentedAt', 'name', 'phone', 'timeZone']);
		expect(errors.phone).toMatch(/short/);
		expect(errors.attributes).toMatch(/Line 1/);
	});
});

describe('zonedToUtc', () => {
	it('honours daylight saving on both sides of the change', () => {
		expect(zonedToUtc('2026-01-15T12:00', 'America/New_York')?.toISOString()).toBe('2026-01-15T17:00:00.000Z');
		expect(zonedToUtc('2026-07-15T12:00', 'America/New_York')?.toISOString()).toBe('2026-07-15T16:00:00.000Z');
		expect(zonedToUtc('not a time', 'UTC')).toBeNull();
	});
});
