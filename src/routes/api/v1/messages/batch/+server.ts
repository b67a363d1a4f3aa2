import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { queueBatch } from '$lib/server/api/v1/messages/batch';

export const POST = apiRoute(
	'sendBatch',
	async (ctx, tx) => ({ status: 200, body: await queueBatch(tx, ctx.key, (ctx.body as { messages: unknown[] }).messages) }),
	backend
);
