import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { cancelMessage } from '$lib/server/api/v1/messages/cancel';

export const POST = apiRoute(
	'cancelMessage',
	async (ctx, tx) => ({ status: 200, body: await cancelMessage(tx, ctx.key.organizationId, ctx.event.params.id ?? '', ctx.key.keyId) }),
	backend
);
