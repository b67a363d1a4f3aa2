import { backend } from '$lib/server/api/v1/backend';
import { handlerFor } from '$lib/server/api/v1/runs';

export const POST = handlerFor('sendMessage', backend);
export const GET = handlerFor('listMessages', backend);
