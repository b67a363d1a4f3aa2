import { z } from 'zod';
import { normalizePhone, PhoneNumberError, type CountryCode } from '@sms/twilio-service';
import { isCountryCode } from '$lib/countries';
import { isValidTimeZone } from '@sms/twilio-service/validate';

export interface ContactInput {
	name: string;
	phoneNumber: string;
	timeZone: string | null;
	externalId: string | null;
	tags: string[];
	attributes: Record<string, string>;
	consentSource: string | null;
	consentedAt: Date | null;
}

/** The form as typed, kept to re-fill the form after a failed submit. */
export interface ContactFormValues {
	name: string;
	phone: string;
	country: string;
	timeZone: string;
	externalId: string;
	tags: string;
	attributes: string;
	consentSource: string;
	consentedAt: string;
}

export function contactFormValues(form: FormData): ContactFormValues {
	const get = (k: string) => String(form.get(k) ?? '');
	return {
		name: get('name'),
		phone: get('phone'),
		country: get('country'),
		timeZone: get('timeZone'),
		externalId: get('externalId'),
		tags: get('tags'),
		attributes: get('attributes'),
		consentSource: get('consentSource'),
		consentedAt: get('consentedAt')
	};
}

const optional = (max: number, label: string) =>
	z
		.string()
		.trim()
		.max(max, `${label} can be at most ${max} characters.`)
		.transform((s) => (s === '' ? null : s));

// Attribute keys become template variables ({{first_name}}), so they follow the same shape.
const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function parseAttributes(text: string, ctx: z.RefinementCtx): Record<string, string> {
	const out: Record<string, string> = {};
	const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
	if (lines.length > 50) ctx.addIssue({ code: 'custom', message: 'At most 50 attributes.' });
	for (const [i, line] of lines.entries()) {
		const at = line.indexOf('=');
		const key = at < 0 ? line : line.slice(0, at).trim();
		const value = at < 0 ? '' : line.slice(at + 1).trim();
		if (at < 0 || !ATTRIBUTE_KEY.test(key)) {
			ctx.addIssue({
				code: 'custom',
				message: `Line ${i + 1}: write key=value, with a key of letters, digits and _ (like plan=gold).`
			});
			continue;
		}
		if (value.length > 500) ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: a value can be at most 500 characters.` });
		out[key] = value;
	}
	return out;
}

/** "vip, Newsletter,vip" → ["vip", "Newsletter"]: trimmed, no duplicates (case-insensitive). */
function parseTags(text: string, ctx: z.RefinementCtx): string[] {
	const seen = new Set<string>();
	const tags: string[] = [];
	for (const raw of text.split(',')) {
		const tag = raw.trim();
		if (!tag || seen.has(tag.toLowerCase())) continue;
		if (tag.length > 40) ctx.addIssue({ code: 'custom', message: `"${tag.slice(0, 20)}…" is longer than 40 characters.` });
		seen.add(tag.toLowerCase());
		tags.push(tag);
	}
	if (tags.length > 20) ctx.addIssue({ code: 'custom', message: 'At most 20 tags.' });
	return tags;
}

/** A wall-clock time in `zone` ("2026-03-01T09:30") as the instant it names. */
export function zonedToUtc(local: string, zone: string): Date | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
	if (!m) return null;
	const [y, mo, d, h, mi] = m.slice(1).map(Number);
	const guess = Date.UTC(y, mo - 1, d, h, mi);
	if (Number.isNaN(guess)) return null;
	// The zone's offset at that moment, read back through Intl; twice, for DST edges.
	const offsetAt = (t: number) => {
		const parts = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit'
		}).formatToParts(new Date(t));
		const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
		return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) - t;
	};
	const first = guess - offsetAt(guess);
	return new Date(guess - offsetAt(first));
}

const fieldsSchema = z.object({
	name: z.string().trim().min(1, 'Enter a name.').max(200, 'A name can be at most 200 characters.'),
	country: z
		.string()
		.trim()
		.toUpperCase()
		.refine(isCountryCode, { message: 'Choose a country from the list.' }),
	timeZone: z
		.string()
		.trim()
		.transform((s) => (s === '' ? null : s))
		.refine((s) => s === null || isValidTimeZone(s), { message: 'Choose a time zone from the list.' }),
	externalId: optional(200, 'An external id'),
	tags: z.string().max(2000, 'Too many tags.').transform(parseTags),
	attributes: z.string().max(20_000, 'Too many attributes.').transform(parseAttributes),
	consentSource: optional(200, 'The consent source')
});

export type ContactFormResult = { ok: true; contact: ContactInput } | { ok: false; errors: Record<string, string> };

/**
 * Contact form → validated contact, or every field's first mistake at once. The phone is read
 * in the chosen country (the workspace default unless changed); the consent time, typed as a
 * wall-clock time, in the workspace's zone.
 */
export function parseContactForm(values: ContactFormValues, options: { zone: string; now?: Date }): ContactFormResult {
	const errors: Record<string, string> = {};
	const fields = fieldsSchema.safeParse(values);
	if (!fields.success) {
		for (const issue of fields.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
	}
	let phoneNumber = '';
	try {
		phoneNumber = normalizePhone(values.phone, (isCountryCode(values.country.trim().toUpperCase()) ? values.country.trim().toUpperCase() : 'US') as CountryCode);
	} catch (e) {
		if (!(e instanceof PhoneNumberError)) throw e;
		errors.phone = e.message;
	}
	let consentedAt: Date | null = null;
	const typed = values.consentedAt.trim();
	if (typed !== '') {
		consentedAt = zonedToUtc(typed, options.zone);
		if (!consentedAt) errors.consentedAt = 'Use a date and time like 2026-03-01 09:30.';
		else if (consentedAt.getTime() > (options.now ?? new Date()).getTime() + 60_000) errors.consentedAt = 'Consent cannot be given in the future.';
	}
	if (!fields.success || Object.keys(errors).length > 0) return { ok: false, errors };
	const v = fields.data;
	return {
		ok: true,
		contact: {
			name: v.name,
			phoneNumber,
			timeZone: v.timeZone,
			externalId: v.externalId,
			tags: v.tags,
			attributes: v.attributes,
			consentSource: v.consentSource,
			consentedAt
		}
	};
}
