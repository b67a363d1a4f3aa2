import type { TransactionSql } from '@sms/db';
import { ExternalId } from '$lib/api/v1/schemas/common';
import type { PutContactRequest } from '$lib/api/v1/schemas/contacts';
import type { RequestHandler } from '@sveltejs/kit';
import { ListMessagesQuery } from '$lib/api/v1/schemas/messages';
import { validationProblem } from '$lib/api/v1/problems';
import { deleteContact, putContact } from './contacts.ts';
import { apiRoute, type ApiBackend, type ApiContext, type ApiResult } from './handler.ts';
import { cancelMessage } from './messages/cancel.ts';
import { getMessage, listMessages } from './messages/read.ts';
import { ApiProblem } from './respond.ts';
import { apiSendRoute } from './send-route.ts';
import { parseOrProblem, queryObject } from './validate.ts';

type Run = (ctx: ApiContext, tx: TransactionSql) => Promise<ApiResult>;

/** What each key-authenticated operation does in its transaction, by operationId (sends: send-route.ts). */
export const RUNS = {
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

/** Every key-authenticated operation's handler, by operationId (the routes bind them). */
export const OPERATION_IDS = [...(Object.keys(RUNS) as RunId[]), 'sendMessage', 'sendBatch'] as const;
export type OperationId = RunId | 'sendMessage' | 'sendBatch';

export function handlerFor(id: OperationId, backend: () => ApiBackend): RequestHandler {
	if (id === 'sendMessage' || id === 'sendBatch') return apiSendRoute(id, backend);
	return apiRoute(id, RUNS[id], backend);
}
