import { z } from 'zod';
import { isCountryCode } from './countries.ts';
import { isValidTimeZone } from '@sms/twilio-service/validate';

const country = z
	.string()
	.trim()
	.toUpperCase()
	.refine(isCountryCode, { message: 'Choose a country from the list.' });

const phone = z.string().trim().min(1, 'Enter a phone number.').max(40, 'That is too long for a phone number.');

/** "Send code": a number as typed, read in the chosen country. */
export const phoneFormSchema = z.object({ country, phone });

/** "Verify": the same number plus the 6-digit code. */
export const codeFormSchema = phoneFormSchema.extend({
	code: z
		.string()
		.trim()
		.regex(/^\d{6}$/, 'Enter the 6-digit code from the text.')
});

const timeOfDay = z
	.string()
	.trim()
	.transform((s) => (s === '' ? null : s))
	.refine((s) => s === null || /^([01]\d|2[0-3]):[0-5]\d$/.test(s), { message: 'Use a time like 22:00.' });

/** Preferences form; `maxDailyLimit` comes from the database (sms_max_daily_limit()). */
export function preferencesFormSchema(options: { maxDailyLimit: number; typeKeys: readonly string[] }) {
	const { maxDailyLimit, typeKeys } = options;
	return z
		.object({
			timeZone: z.string().trim().refine(isValidTimeZone, { message: 'Choose a time zone from the list.' }),
			quietHoursStart: timeOfDay,
			quietHoursEnd: timeOfDay,
			dailyLimit: z.coerce
				.number({ message: 'Enter a whole number.' })
				.int('Enter a whole number.')
				.min(0, `Choose a number from 0 to ${maxDailyLimit}.`)
				.max(maxDailyLimit, `Choose a number from 0 to ${maxDailyLimit}.`),
			types: z.record(z.string(), z.boolean()).refine((t) => Object.keys(t).every((k) => typeKeys.includes(k)), {
				message: 'Unknown kind of text.'
			})
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
}

/** Checkbox values arrive as `type:<key>=on` only when checked; every known key gets a boolean. */
export function preferencesFromForm(form: FormData, typeKeys: readonly string[]) {
	return {
		timeZone: String(form.get('timeZone') ?? ''),
		quietHoursStart: String(form.get('quietHoursStart') ?? ''),
		quietHoursEnd: String(form.get('quietHoursEnd') ?? ''),
		dailyLimit: String(form.get('dailyLimit') ?? ''),
		types: Object.fromEntries(typeKeys.map((k) => [k, form.get(`type:${k}`) !== null]))
	};
}

/** First message per field, for showing next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
	const out: Record<string, string> = {};
	for (const issue of error.issues) {
		const key = String(issue.path[0] ?? 'form');
		out[key] ??= issue.message;
	}
	return out;
}
