import { z } from 'zod';
import { PutContactRequest, Contact } from './schemas/contacts.ts';
import { BatchRequest, BatchResponse, ListMessagesQuery, Message, MessageAccepted, MessageList, SendMessageRequest } from './schemas/messages.ts';
import type { ProblemKind } from './problems.ts';

export type Scope = 'messages:write' | 'messages:read' | 'contacts:write';
export const SCOPES: readonly Scope[] = ['messages:write', 'messages:read', 'contacts:write'];
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Operation {
	operationId: string;
	method: HttpMethod;
	/** OpenAPI path below /api/v1, e.g. /messages/{id}. */
	path: string;
	summary: string;
	description?: string;
	/** null: no key needed. */
	scope: Scope | null;
	pathParams?: Record<string, z.ZodType>;
	query?: z.ZodObject;
	/** Query parameters the zod object cannot express (e.g. deepObject metadata). */
	extraQuery?: { name: string; style: 'deepObject'; description: string; schema: Record<string, unknown> }[];
	body?: z.ZodType;
	idempotent?: boolean;
	success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
	problems: ProblemKind[];
}

const Id = z.uuid().meta({ description: 'The text\'s id' });
const ExternalIdParam = z.string().min(1).max(255).meta({ description: 'Your id for the contact' });
const AUTH: ProblemKind[] = ['unauthorized', 'forbidden', 'rate_limited'];
const WITH_BODY: ProblemKind[] = ['malformed_json', 'unsupported_media_type', 'payload_too_large', 'invalid_request'];

/** Every /api/v1 operation. The routes, the OpenAPI document and the client are checked against this list. */
export const OPERATIONS: Operation[] = [
	{
		operationId: 'sendMessage',
		method: 'POST',
		path: '/messages',
		summary: 'Queue a text',
		description:
			'Queues one text through the same SQL API as every other text: the recipient\'s preferences, quiet hours and daily limit apply. Answers 202 with the id and, when already known, why the text is scheduled or will not be sent.',
		scope: 'messages:write',
		body: SendMessageRequest,
		idempotent: true,
		success: { status: 202, description: 'Accepted', schema: MessageAccepted },
		problems: [...AUTH, ...WITH_BODY, 'idempotency_key_reused', 'idempotency_in_progress']
	},
	{
		operationId: 'sendBatch',
		method: 'POST',
		path: '/messages/batch',
		summary: 'Queue up to 1,000 texts',
		description: 'Each text is validated and queued on its own; the answer has one result per input, in order.',
		scope: 'messages:write',
		body: BatchRequest,
		idempotent: true,
		success: { status: 200, description: 'One result per text', schema: BatchResponse },
		problems: [...AUTH, ...WITH_BODY, 'idempotency_key_reused', 'idempotency_in_progress']
	},
	{
		operationId: 'listMessages',
		method: 'GET',
		path: '/messages',
		summary: 'List texts, newest first',
		scope: 'messages:read',
		query: ListMessagesQuery,
		extraQuery: [
			{
				name: 'metadata',
				style: 'deepObject',
				description: 'Texts whose metadata has these top-level values, e.g. metadata[eventId]=evt_1',
				schema: { type: 'object', additionalProperties: { type: 'string' } }
			}
		],
		success: { status: 200, description: 'A page of texts', schema: MessageList },
		problems: [...AUTH, 'invalid_request']
	},
	{
		operationId: 'getMessage',
		method: 'GET',
		path: '/messages/{id}',
		summary: 'A text with its verdict and events',
		scope: 'messages:read',
		pathParams: { id: Id },
		success: { status: 200, description: 'The text', schema: Message },
		problems: [...AUTH, 'not_found']
	},
	{
		operationId: 'cancelMessage',
		method: 'POST',
		path: '/messages/{id}/cancel',
		summary: 'Cancel a text not yet handed to the provider',
		scope: 'messages:write',
		pathParams: { id: Id },
		success: { status: 200, description: 'The canceled text', schema: Message },
		problems: [...AUTH, 'not_found', 'not_cancelable']
	},
	{
		operationId: 'putContact',
		method: 'PUT',
		path: '/contacts/{externalId}',
		summary: 'Create or update a contact by your id',
		scope: 'contacts:write',
		pathParams: { externalId: ExternalIdParam },
		body: PutContactRequest,
		success: { status: 200, description: 'The contact (201 when created)', schema: Contact },
		problems: [...AUTH, ...WITH_BODY]
	},
	{
		operationId: 'deleteContact',
		method: 'DELETE',
		path: '/contacts/{externalId}',
		summary: 'Forget a contact: their data is deleted, their texts kept without body or number (counts and costs stay)',
		scope: 'contacts:write',
		pathParams: { externalId: ExternalIdParam },
		success: { status: 204, description: 'Forgotten' },
		problems: [...AUTH, 'not_found', 'contact_busy']
	},
	{
		operationId: 'getOpenApi',
		method: 'GET',
		path: '/openapi.json',
		summary: 'This document',
		scope: null,
		success: { status: 200, description: 'OpenAPI 3.1 document', contentType: 'application/json' },
		problems: []
	}
];

export function operation(operationId: string): Operation {
	const op = OPERATIONS.find((o) => o.operationId === operationId);
	if (!op) throw new Error(`no operation ${operationId}`);
	return op;
}
