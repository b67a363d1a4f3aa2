import { describe, expect, it } from 'vitest';
import { parseSettingsForm, slugFrom, type SettingsFormValues } from './settings-form.ts';

const opts = { maxDailyLimit: 100 };

const base: SettingsFormValues = {
	name: 'Demo',
	slug: 'demo',
	defaultCountry: 'us',
	defaultTimeZone: 'America/New_York',
	quietHoursStart: '21:00',
	quietHoursEnd: '08:00',
	contactDailyLimit: '5',
	messagingServiceSid: '',
	fromNumber: '(415) 555-0199',
	monthlySpendCap: '250.50'
};

describe('parseSettingsForm', () => {
	it('accepts a full form and normalises the From number in the default country', () => {
		const r = parseSettingsForm(base, opts);
		expect(r).toEqual({
			ok: true,
			settings: { ...base, defaultCountry: 'US', contactDailyLimit: 5, fromNumber: '+14155550199', messagingServiceSid: null }
		});
	});

	it('empties mean "none": no quiet hours, no caps, the global sender', () => {
		const r = parseSettingsForm({ ...base, quietHoursStart: '', quietHoursEnd: '', fromNumber: '', monthlySpendCap: '' }, opts);
		expect(r.ok && r.settings).toMatchObject({ quietHoursStart: null, quietHoursEnd: null, fromNumber: null, monthlySpendCap: null });
	});

	it('names each wrong field with a message a person can act on', () => {
		const r = parseSettingsForm({
			...base,
						defaultCountry: 'XX',
			defaultTimeZone: 'Nowhere/City',
			quietHoursEnd: '',
			contactDailyLimit: '5000',
			messagingServiceSid: 'MG123',
			monthlySpendCap: '-3'
		}, opts);
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(Object.keys(r.errors).sort()).toEqual(
			['contactDailyLimit', 'defaultCountry', 'defaultTimeZone', 'fromNumber', 'messagingServiceSid', 'monthlySpendCap', 'quietHoursEnd'].sort()
		);
	});

	it('refuses both senders at once', () => {
		const r = parseSettingsForm({ ...base, messagingServiceSid: 'MG' + 'a'.repeat(32) }, opts);
		expect(r.ok === false && r.errors.fromNumber).toMatch(/not both/);
	});
});

describe('slugs', () => {
	it('suggests a slug from a name', () => {
		expect(slugFrom('  Ácme Events — 2026! ')).toBe('acme-events-2026');
	});
});
