import { countryOptions } from '$lib/countries';
import { timeZoneOptions } from '$lib/time-zones';
import type { Contact } from './contacts.ts';
import type { ContactFormValues } from './contact-form.ts';

/** The pickers every contact form needs. */
export function contactFormOptions() {
	return { countries: countryOptions(), timeZones: timeZoneOptions() };
}

/** A stored contact as the form's fields (the consent time as wall-clock time in `zone`). */
export function contactToFormValues(c: Contact, zone: string, country: string): ContactFormValues {
	return {
		name: c.name ?? '',
		phone: c.phoneNumber,
		country,
		timeZone: c.timeZone ?? '',
		externalId: c.externalId ?? '',
		tags: c.tags.join(', '),
		attributes: Object.entries(c.attributes)
			.map(([k, v]) => `${k}=${v}`)
			.join('\n'),
		consentSource: c.consentSource ?? '',
		consentedAt: c.consentedAt ? wallClock(new Date(c.consentedAt), zone) : ''
	};
}

/** "2026-03-01T09:30" in `zone`, for a datetime-local input. */
export function wallClock(at: Date, zone: string): string {
	const parts = new Intl.DateTimeFormat('en-CA', {
		timeZone: zone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit'
	}).formatToParts(at);
	const p = (t: string) => parts.find((x) => x.type === t)?.value ?? '00';
	return `${p('year')}-${p('month')}-${p('day')}T${p('hour')}:${p('minute')}`;
}

/** A unique-violation on a contact, as the field it belongs to. */
export function contactConflict(constraint: string): { field: string; message: string } {
	return /external/i.test(constraint)
		? { field: 'externalId', message: 'Another contact in this workspace already has this external id.' }
		: { field: 'phone', message: 'Another contact in this workspace already has this phone number.' };
}
