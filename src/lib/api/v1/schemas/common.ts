import { z } from 'zod';
import { isE164 } from '@sms/twilio-service';
import { API_LIMITS } from '../limits.ts';

/** Any JSON value (what `metadata` and `attributes` may hold). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export const JsonValue: z.ZodType<Json> = z.lazy(() =>
	z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)])
).meta({ id: 'JsonValue', description: 'Any JSON value' });

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

export const Uuid = z.uuid({ error: 'must be a UUID such as 3f2b8c1e-5a7d-4e2f-9c3b-1a2b3c4d5e6f' });

export const Phone = z
	.string({ error: 'must be a phone number string' })
	.refine(isE164, { error: 'must be an E.164 phone number: a + followed by the country code and number, e.g. +14155552671' })
	.meta({ description: 'E.164 phone number', example: '+14155552671' });

export const ExternalId = z
	.string()
	.min(1, { error: 'must not be empty' })
	.max(200, { error: "must be at most 200 characters" })
	.regex(/^[A-Za-z0-9._:@|-]+$/, { error: 'may contain letters, digits and . _ : @ | - only' })
	.meta({ description: "Your system's id for the contact (unique per workspace)", example: 'crm-4711' });

export const Metadata = z
	.record(z.string().min(1).max(40), JsonValue, { error: 'must be a JSON object' })
	.refine((m) => Object.keys(m).length <= API_LIMITS.metadataMaxKeys, { error: `may have at most ${API_LIMITS.metadataMaxKeys} keys` })
	.refine((m) => bytes(m) <= API_LIMITS.metadataMaxBytes, { error: `must be at most ${API_LIMITS.metadataMaxBytes} bytes as JSON` })
	.meta({
		description: 'Any JSON object you want kept with the text and filterable on GET /messages (e.g. an event id)',
		example: { eventId: 'evt_2026_summit', taskId: 't_91' }
	});

export const Attributes = z
	.record(z.string().min(1).max(64), JsonValue, { error: 'must be a JSON object' })
	.refine((m) => bytes(m) <= API_LIMITS.attributesMaxBytes, { error: `must be at most ${API_LIMITS.attributesMaxBytes} bytes as JSON` })
	.meta({ description: 'Free-form attributes kept on the contact' });

export const Priority = z
	.enum(['low', 'normal', 'high', 'urgent'], { error: 'must be one of low, normal, high, urgent' })
	.meta({ description: 'Queue priority; urgent texts go first' });

export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-12-24T09:00:00Z' });

/** One field at fault. `field` is a JSON pointer-ish dotted path ("to.phone", "messages.3.body"). */
export const FieldError = z
	.object({ field: z.string(), message: z.string(), code: z.string() })
	.meta({ id: 'FieldError' });

/** RFC 9457 problem details. */
export const Problem = z
	.object({
		type: z.string().meta({ description: 'A URI naming the kind of problem; its page explains what to do' }),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		instance: z.string().optional(),
		field: z.string().optional().meta({ description: 'The (first) request field at fault' }),
		errors: z.array(FieldError).optional()
	})
	.meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });
export type Problem = z.infer<typeof Problem>;

export const Cursor = z.string().max(200).meta({ description: 'Opaque cursor from nextCursor' });
