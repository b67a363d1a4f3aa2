import { ExternalId } from '$lib/api/v1/schemas/common';
import type { PutContactRequest } from '$lib/api/v1/schemas/contacts';
import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { parseOrProblem } from '$lib/server/api/v1/validate';
import { deleteContact, putContact } from '$lib/server/api/v1/contacts';

export const PUT = apiRoute(
	'putContact',
	async (ctx, tx) => {
		const externalId = parseOrProblem(ExternalId, ctx.event.params.externalId, ['externalId']);
		const { contact, created } = await putContact(tx, ctx.key.organizationId, externalId, ctx.body as PutContactRequest);
		return { status: created ? 201 : 200, body: contact };
	},
	backend
);

export const DELETE = apiRoute(
	'deleteContact',
	async (ctx, tx) => {
		const externalId = parseOrProblem(ExternalId, ctx.event.params.externalId, ['externalId']);
		await deleteContact(tx, ctx.key.organizationId, externalId);
		return { status: 204 };
	},
	backend
);
