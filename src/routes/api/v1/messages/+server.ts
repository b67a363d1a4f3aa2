import { ListMessagesQuery, type SendMessage } from '$lib/api/v1/schemas/messages';
import { validationProblem } from '$lib/api/v1/problems';
import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { ApiProblem } from '$lib/server/api/v1/respond';
import { parseOrProblem, queryObject } from '$lib/server/api/v1/validate';
import { queueOne } from '$lib/server/api/v1/messages/send';
import { listMessages } from '$lib/server/api/v1/messages/read';

export const POST = apiRoute(
	'sendMessage',
	async (ctx, tx) => ({ status: 202, body: await queueOne(tx, ctx.key, ctx.body as SendMessage) }),
	backend
);

export const GET = apiRoute(
	'listMessages',
	async (ctx, tx) => {
		const { query, metadata, repeated } = queryObject(ctx.event.url.searchParams);
		if (repeated) throw new ApiProblem(validationProblem([{ field: repeated, message: 'is given more than once', code: 'repeated' }]));
		const q = parseOrProblem(ListMessagesQuery, query);
		return { status: 200, body: await listMessages(tx, ctx.key.organizationId, q, metadata) };
	},
	backend
);
