import { describe, expect, it } from 'vitest';
import { codeFormSchema, fieldErrors, phoneFormSchema, preferencesFormSchema, preferencesFromForm } from './sms-forms.ts';

const schema = preferencesFormSchema({ maxDailyLimit: 50, typeKeys: ['task_reminder', 'urgent_alert'] });

function form(entries: Record<string, string>): FormData {
	const f = new FormData();
	for (const [k, v] of Object.entries(entries)) f.set(k, v);
	return f;
}

describe('phone and code forms', () => {
	it('accepts a country and a number', () => {
		expect(phoneFormSchema.parse({ country: 'gb', phone: ' 07911 123456 ' })).toEqual({ country: 'GB', phone: '07911 123456' });
	});

	it('rejects an unknown country and an empty number, per field', () => {
		const r = phoneFormSchema.safeParse({ country: 'XX', phone: ' ' });
		expect(r.success).toBe(false);
		expect(fieldErrors(r.error!)).toEqual({ country: 'Choose a country from the list.', phone: 'Enter a phone number.' });
	});

	it('wants exactly six digits for the code', () => {
		expect(codeFormSchema.safeParse({ country: 'US', phone: '1', code: '123456' }).success).toBe(true);
		for (const code of ['12345', '1234567', '12a456', '']) {
			const r = codeFormSchema.safeParse({ country: 'US', phone: '1', code });
			expect(fieldErrors(r.error!).code).toBe('Enter the 6-digit code from the text.');
		}
	});
});

describe('preferences form', () => {
	it('reads checkboxes as booleans for every known type', () => {
		const raw = preferencesFromForm(
			form({ timeZone: 'Europe/London', quietHoursStart: '22:00', quietHoursEnd: '07:30', dailyLimit: '5', 'type:urgent_alert': 'on' }),
			['task_reminder', 'urgent_alert']
		);
		expect(schema.parse(raw)).toEqual({
			timeZone: 'Europe/London',
			quietHoursStart: '22:00',
			quietHoursEnd: '07:30',
			dailyLimit: 5,
			types: { task_reminder: false, urgent_alert: true }
		});
	});

	it('treats two empty times as no quiet hours', () => {
		const r = schema.parse({ timeZone: 'UTC', quietHoursStart: '', quietHoursEnd: '', dailyLimit: '0', types: {} });
		expect(r.quietHoursStart).toBeNull();
		expect(r.quietHoursEnd).toBeNull();
		expect(r.dailyLimit).toBe(0);
	});

	it.each([
		[{ quietHoursStart: '22:00', quietHoursEnd: '' }, 'quietHoursEnd', /both a start and an end/],
		[{ quietHoursStart: '', quietHoursEnd: '07:00' }, 'quietHoursStart', /both a start and an end/],
		[{ quietHoursStart: '25:00', quietHoursEnd: '07:00' }, 'quietHoursStart', /22:00/],
		[{ dailyLimit: '51' }, 'dailyLimit', /0 to 50/],
		[{ dailyLimit: '-1' }, 'dailyLimit', /0 to 50/],
		[{ dailyLimit: '2.5' }, 'dailyLimit', /whole number/],
		[{ dailyLimit: 'lots' }, 'dailyLimit', /whole number/],
		[{ timeZone: 'Mars/Olympus' }, 'timeZone', /time zone/]
	])('rejects %j on %s', (patch, field, message) => {
		const r = schema.safeParse({
			timeZone: 'UTC',
			quietHoursStart: '22:00',
			quietHoursEnd: '07:00',
			dailyLimit: '10',
			types: {},
			...patch
		});
		expect(r.success).toBe(false);
		expect(fieldErrors(r.error!)[field]).toMatch(message);
	});

	it('rejects type keys it does not know', () => {
		const r = schema.safeParse({ timeZone: 'UTC', quietHoursStart: '', quietHoursEnd: '', dailyLimit: '1', types: { nope: true } });
		expect(r.success).toBe(false);
	});
});
