import type { TransactionSql } from '@sms/db';
import { ExternalId } from '$lib/api/v1/schemas/common';
import type { PutContactRequest } from '$lib/api/v1/schemas/contacts';
import { ListMessagesQuery, type SendMessage } from '$lib/api/v1/schemas/messages';
import { validationProblem } from '$lib/api/v1/problems';
import { deleteContact, putContact } from './contacts.ts';
import type { ApiContext, ApiResult } from './handler.ts';
import { queueBatch } from './messages/batch.ts';
import { cancelMessage } from './messages/cancel.ts';
import { getMessage, listMessages } from './messages/read.ts';
import { queueOne } from './messages/send.ts';
import { ApiProblem } from './respond.ts';
import { parseOrProblem, queryObject } from './validate.ts';

type Run = (ctx: ApiContext, tx: TransactionSql) => Promise<ApiResult>;

/** What each key-authenticated operation does, by operationId (the routes bind them). */
export const RUNS = {
	sendMessage: async (ctx, tx) => ({ status: 202, body: await queueOne(tx, ctx.key, ctx.body as SendMessage) }),
	sendBatch: async (ctx, tx) => ({ status: 200, body: await queueBatch(tx, ctx.key, (ctx.body as { messages: unknown[] }).messages) }),
	listMessages: async (ctx, tx) => {
		const { query, metadata, repeated } = queryObject(ctx.event.url.searchParams);
		if (repeated) throw new ApiProblem(validationProblem([{ field: repeated, message: 'is given more than once', code: 'repeated' }]));
		const q = parseOrProblem(ListMessagesQuery, query);
		return { status: 200, body: await listMessages(tx, ctx.key.organizationId, q, metadata) };
	},
	getMessage: async (ctx, tx) => ({ status: 200, body: await getMessage(tx, ctx.key.organizationId, ctx.event.params.id ?? '') }),
	cancelMessage: async (ctx, tx) => ({
		status: 200,
		body: await cancelMessage(tx, ctx.key.organizationId, ctx.event.params.id ?? '', ctx.key.keyId)
	}),
	putContact: async (ctx, tx) => {
		const externalId = parseOrProblem(ExternalId, ctx.event.params.externalId, ['externalId']);
		const { contact, created } = await putContact(tx, ctx.key.organizationId, externalId, ctx.body as PutContactRequest);
		return { status: created ? 201 : 200, body: contact };
	},
	deleteContact: async (ctx, tx) => {
		const externalId = parseOrProblem(ExternalId, ctx.event.params.externalId, ['externalId']);
		await deleteContact(tx, ctx.key.organizationId, externalId);
		return { status: 204 };
	}
} satisfies Record<string, Run>;
export type RunId = keyof typeof RUNS;
