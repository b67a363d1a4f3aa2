import { z } from 'zod';
import { normalizePhone, PhoneNumberError, type CountryCode } from '@sms/twilio-service';
import { isCountryCode } from '$lib/countries';
import { isValidTimeZone } from '@sms/twilio-service/validate';

// The slug's and the name's rules live in the database (check_slug, create_organization,
// update_organization_settings: WS002/WS004); here they are only tidied up.
export const slugSchema = z.string().trim().toLowerCase().max(100, 'A slug can be at most 48 characters.');
export const nameSchema = z.string().trim().max(200, 'A name can be at most 100 characters.');

/** "Acme Events!" → "acme-events": a starting point the person can change. */
export function slugFrom(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 63)
		.replace(/-+$/g, '');
}

export const createWorkspaceSchema = z.object({ name: nameSchema, slug: slugSchema });

export interface WorkspaceSettings {
	name: string;
	slug: string;
	defaultCountry: string;
	defaultTimeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	contactDailyLimit: number;
	messagingServiceSid: string | null;
	fromNumber: string | null;
	monthlySpendCap: string | null;
}

export type SettingsFormValues = Record<keyof WorkspaceSettings, string>;

export const SETTINGS_FIELDS = [
	'name',
	'slug',
	'defaultCountry',
	'defaultTimeZone',
	'quietHoursStart',
	'quietHoursEnd',
	'contactDailyLimit',
	'messagingServiceSid',
	'fromNumber',
	'monthlySpendCap'
] as const satisfies readonly (keyof WorkspaceSettings)[];

export function settingsFormValues(form: FormData): SettingsFormValues {
	return Object.fromEntries(SETTINGS_FIELDS.map((k) => [k, String(form.get(k) ?? '')])) as SettingsFormValues;
}

const empty = (s: string) => s.trim() === '';
const timeOfDay = z
	.string()
	.trim()
	.transform((s) => (s === '' ? null : s))
	.refine((s) => s === null || /^([01]\d|2[0-3]):[0-5]\d$/.test(s), { message: 'Use a time like 21:00.' });

const schema = (maxDailyLimit: number) =>
	z
	.object({
		name: nameSchema,
		slug: slugSchema,
		defaultCountry: z
			.string()
			.trim()
			.toUpperCase()
			.refine(isCountryCode, { message: 'Choose a country from the list.' }),
		defaultTimeZone: z.string().trim().refine(isValidTimeZone, { message: 'Choose a time zone from the list.' }),
		quietHoursStart: timeOfDay,
		quietHoursEnd: timeOfDay,
		contactDailyLimit: z
			.string()
			.trim()
			.refine((s) => /^\d{1,9}$/.test(s), { message: `Enter a whole number from 0 to ${maxDailyLimit}.` })
			.transform(Number)
			.refine((n) => n <= maxDailyLimit, { message: `Choose a number from 0 to ${maxDailyLimit}.` }),
		messagingServiceSid: z
			.string()
			.trim()
			.transform((s) => (s === '' ? null : s))
			.refine((s) => s === null || /^MG[0-9a-fA-F]{32}$/.test(s), { message: 'A Messaging Service SID is MG followed by 32 hex characters.' }),
		fromNumber: z.string().trim(),
		monthlySpendCap: z
			.string()
			.trim()
			.refine((s) => s === '' || /^\d{1,9}(\.\d{1,2})?$/.test(s), { message: 'Enter an amount in dollars like 250 or 99.50, or leave it empty for no cap.' })
			.transform((s) => (s === '' ? null : s))
	})
	.superRefine((v, ctx) => {
		if ((v.quietHoursStart === null) !== (v.quietHoursEnd === null)) {
			ctx.addIssue({
				code: 'custom',
				path: [v.quietHoursStart === null ? 'quietHoursStart' : 'quietHoursEnd'],
				message: 'Set both a start and an end, or leave both empty for no quiet hours.'
			});
		}
	});

export type SettingsFormResult = { ok: true; settings: WorkspaceSettings } | { ok: false; errors: Record<string, string> };

/** Settings form → validated settings, or every field's first mistake. */
export function parseSettingsForm(values: SettingsFormValues, options: { maxDailyLimit: number }): SettingsFormResult {
	const errors: Record<string, string> = {};
	const parsed = schema(options.maxDailyLimit).safeParse(values);
	if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;

	// The sender: a Messaging Service or a From number, not both; neither falls back to the global one.
	let fromNumber: string | null = null;
	if (!empty(values.fromNumber)) {
		if (!empty(values.messagingServiceSid)) errors.fromNumber = 'Give a Messaging Service SID or a From number, not both.';
		try {
			const country = values.defaultCountry.trim().toUpperCase();
			fromNumber = normalizePhone(values.fromNumber, (isCountryCode(country) ? country : 'US') as CountryCode);
		} catch (e) {
			if (!(e instanceof PhoneNumberError)) throw e;
			errors.fromNumber ??= e.message;
		}
	}
	if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, settings: { ...parsed.data, fromNumber } };
}
