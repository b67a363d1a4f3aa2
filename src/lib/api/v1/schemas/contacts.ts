import { z } from 'zod';
import { Attributes, Phone } from './common.ts';

export const PutContactRequest = z
	.strictObject(
		{
			name: z.string().trim().min(1, { error: 'must not be empty' }).max(200).optional(),
			phone: Phone,
			timeZone: z
				.string()
				.refine((tz) => {
					try {
						new Intl.DateTimeFormat('en', { timeZone: tz });
						return true;
					} catch {
						return false;
					}
				}, { error: 'must be an IANA time zone such as Europe/Berlin' })
				.optional(),
			attributes: Attributes.optional()
		},
		{ error: (i) => (i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : 'the request body must be a JSON object') }
	)
	.meta({ id: 'PutContactRequest' });
export type PutContactRequest = z.input<typeof PutContactRequest>;

export const Contact = z
	.object({
		id: z.string(),
		externalId: z.string(),
		name: z.string().nullable(),
		phone: z.string(),
		timeZone: z.string().nullable(),
		attributes: z.record(z.string(), z.unknown()),
		createdAt: z.string(),
		updatedAt: z.string()
	})
	.meta({ id: 'Contact' });
export type Contact = z.infer<typeof Contact>;
