import { z } from 'zod';
import { API_LIMITS } from '../limits.ts';
import { Attributes, Cursor, ExternalId, IsoDateTime, Metadata, Phone, Priority, Problem, Uuid } from './common.ts';

const RECIPIENT_KEYS = ['userId', 'contactId', 'externalId', 'phone'] as const;

/**
 * Who gets the text: exactly one of `userId`, `contactId`, `externalId` (a contact, created or
 * updated with `name` / `phone` / `attributes` when given) or `phone` alone. One object with a
 * refinement rather than a union, so an error names the field at fault, not "no union matched".
 */
export const Recipient = z
	.strictObject(
		{
			userId: Uuid.optional().meta({ description: 'A signed-up user of your product: their own preferences apply' }),
			contactId: Uuid.optional().meta({ description: 'A contact of this workspace, by our id' }),
			externalId: ExternalId.optional(),
			name: z.string().trim().min(1).max(200).optional().meta({ description: 'With externalId: the contact\'s name' }),
			phone: Phone.optional(),
			attributes: Attributes.optional()
		},
		{ error: (i) => (i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : 'must be an object') }
	)
	.superRefine((to, ctx) => {
		const ids = (['userId', 'contactId', 'externalId'] as const).filter((k) => to[k] !== undefined);
		if (ids.length > 1) {
			ctx.addIssue({ code: 'custom', path: [ids[1]], message: `give only one of userId, contactId, externalId (got ${ids.join(' and ')})` });
			return;
		}
		if (ids.length === 0 && to.phone === undefined) {
			ctx.addIssue({ code: 'custom', path: [], message: 'must have one of userId, contactId, externalId or phone' });
			return;
		}
		const id = ids[0];
		if (id !== 'externalId') {
			for (const k of ['name', 'attributes', ...(id ? ['phone'] : [])] as const) {
				if (to[k as keyof typeof to] !== undefined) {
					ctx.addIssue({ code: 'custom', path: [k], message: `${k} is only allowed with externalId` });
				}
			}
		}
	})
	.meta({ id: 'Recipient' });
export type Recipient = z.infer<typeof Recipient>;
export { RECIPIENT_KEYS };

export const TemplateVariables = z
	.record(z.string().min(1).max(64), z.union([z.string().max(1600), z.number(), z.boolean(), z.null()]), {
		error: 'must be an object of strings, numbers or booleans'
	})
	.meta({ description: 'Values for the template\'s {{variables}}', example: { task: 'Ship the report', due: '3 pm' } });

export const NotificationType = z
	.string()
	.regex(/^[a-z0-9_]{1,64}$/, { error: 'must be a notification type key such as task_reminder' })
	.meta({ description: 'The notification type (task_reminder, daily_brief, urgent_alert, custom, or one of yours): the recipient\'s preferences for it apply' });

export function sendAtProblem(sendAt: string, now: Date = new Date()): string | null {
	const t = Date.parse(sendAt);
	if (t < now.getTime() - API_LIMITS.sendAtSkewSeconds * 1000) return 'must not be in the past';
	if (t > now.getTime() + API_LIMITS.sendAtMaxDays * 86_400_000) return `must be at most ${API_LIMITS.sendAtMaxDays} days ahead`;
	return null;
}

export const SendMessageRequest = z
	.strictObject(
		{
			to: Recipient,
			type: NotificationType.optional(),
			template: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, { error: 'must be a template key such as task_reminder' }).optional(),
			variables: TemplateVariables.optional(),
			body: z
				.string()
				.refine((s) => s.trim().length > 0, { error: 'must not be empty' })
				.refine((s) => [...s].length <= API_LIMITS.bodyMaxChars, { error: `must be at most ${API_LIMITS.bodyMaxChars} characters` })
				.optional()
				.meta({ description: 'The text itself, when not using a template' }),
			priority: Priority.default('normal'),
			sendAt: IsoDateTime.optional().meta({ description: `When to send (at most ${API_LIMITS.sendAtMaxDays} days ahead); now when absent. Quiet hours may still hold it.` }),
			metadata: Metadata.optional()
		},
		{ error: (i) => (i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : 'the request body must be a JSON object') }
	)
	.superRefine((m, ctx) => {
		if (m.template === undefined && m.body === undefined) {
			ctx.addIssue({ code: 'custom', path: ['body'], message: 'give either body or template (with variables)' });
		}
		if (m.template !== undefined && m.body !== undefined) {
			ctx.addIssue({ code: 'custom', path: ['body'], message: 'give either body or template, not both' });
		}
		if (m.variables !== undefined && m.template === undefined) {
			ctx.addIssue({ code: 'custom', path: ['variables'], message: 'variables are only used with a template' });
		}
		if (m.sendAt !== undefined) {
			const problem = sendAtProblem(m.sendAt);
			if (problem) ctx.addIssue({ code: 'custom', path: ['sendAt'], message: problem });
		}
	})
	.meta({ id: 'SendMessageRequest' });
export type SendMessageRequest = z.input<typeof SendMessageRequest>;
export type SendMessage = z.output<typeof SendMessageRequest>;

export const MESSAGE_STATUSES = [
	'pending', 'scheduled', 'dispatching', 'queued', 'sending', 'sent',
	'delivered', 'undelivered', 'failed', 'suppressed', 'canceled'
] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES).meta({ id: 'MessageStatus' });

export const Verdict = z
	.enum(['pending', 'delivered', 'failed', 'not_sent'])
	.meta({ id: 'Verdict', description: 'The definitive answer: delivered, failed, not sent (suppressed or canceled), or still pending' });

export const MessageRecipient = z
	.object({ userId: z.string().nullable(), contactId: z.string().nullable(), externalId: z.string().nullable(), phone: z.string() })
	.meta({ id: 'MessageRecipient' });

export const MessageAccepted = z
	.object({
		id: z.string(),
		status: MessageStatus,
		statusReason: z.string().nullable().meta({ description: 'Why the text is scheduled or will not be sent, when already known' }),
		to: MessageRecipient,
		sendAt: z.string().nullable(),
		createdAt: z.string()
	})
	.meta({ id: 'MessageAccepted' });
export type MessageAccepted = z.infer<typeof MessageAccepted>;

export const MessageEvent = z
	.object({ status: z.string(), at: z.string(), source: z.string(), errorCode: z.number().nullable() })
	.meta({ id: 'MessageEvent' });

export const Message = z
	.object({
		id: z.string(),
		status: MessageStatus,
		verdict: Verdict,
		statusReason: z.string().nullable(),
		to: MessageRecipient,
		type: z.string(),
		priority: Priority,
		body: z.string(),
		template: z.string().nullable(),
		metadata: z.record(z.string(), z.unknown()),
		sendAt: z.string().nullable(),
		segments: z.number().nullable(),
		price: z.string().nullable(),
		priceUnit: z.string().nullable(),
		errorCode: z.number().nullable(),
		errorMessage: z.string().nullable(),
		createdAt: z.string(),
		sentAt: z.string().nullable(),
		deliveredAt: z.string().nullable(),
		failedAt: z.string().nullable(),
		events: z.array(MessageEvent).optional().meta({ description: 'Every status report, oldest first (GET /messages/{id} only)' })
	})
	.meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

export const MessageList = z
	.object({ data: z.array(Message), nextCursor: z.string().nullable() })
	.meta({ id: 'MessageList' });
export type MessageList = z.infer<typeof MessageList>;

/** Query of GET /messages. `metadata[key]=value` pairs are read separately (see parseListQuery). */
export const ListMessagesQuery = z.strictObject(
	{
		limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(API_LIMITS.listMaxLimit).default(API_LIMITS.listDefaultLimit),
		cursor: Cursor.optional(),
		status: MessageStatus.optional(),
		type: NotificationType.optional(),
		userId: Uuid.optional(),
		contactId: Uuid.optional(),
		externalId: ExternalId.optional(),
		phone: Phone.optional(),
		createdAfter: IsoDateTime.optional(),
		createdBefore: IsoDateTime.optional()
	},
	{ error: (i) => (i.code === 'unrecognized_keys' ? `unknown query parameter(s): ${i.keys.join(', ')}` : 'bad query') }
);
export type ListMessagesQuery = z.output<typeof ListMessagesQuery>;

export const BatchRequest = z
	.strictObject({
		messages: z
			.array(z.unknown(), { error: 'must be an array of messages' })
			.min(1, { error: 'must contain at least one message' })
			.max(API_LIMITS.batchMax, { error: `must contain at most ${API_LIMITS.batchMax} messages` })
			.meta({ description: `1 to ${API_LIMITS.batchMax} messages, each a SendMessageRequest, validated on its own` })
	})
	.meta({ id: 'BatchRequest' });

export const BatchItemResult = z
	.object({
		index: z.number().int(),
		ok: z.boolean(),
		message: MessageAccepted.optional(),
		problem: Problem.optional()
	})
	.meta({ id: 'BatchItemResult' });

export const BatchResponse = z
	.object({
		accepted: z.number().int(),
		rejected: z.number().int(),
		results: z.array(BatchItemResult)
	})
	.meta({ id: 'BatchResponse' });
export type BatchResponse = z.infer<typeof BatchResponse>;
