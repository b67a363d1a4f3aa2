import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { getMessage } from '$lib/server/api/v1/messages/read';

export const GET = apiRoute(
	'getMessage',
	async (ctx, tx) => ({ status: 200, body: await getMessage(tx, ctx.key.organizationId, ctx.event.params.id ?? '') }),
	backend
);
