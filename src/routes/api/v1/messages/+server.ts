import { apiRoute } from '$lib/server/api/v1/handler';
import { backend } from '$lib/server/api/v1/backend';
import { RUNS } from '$lib/server/api/v1/runs';

export const POST = apiRoute('sendMessage', RUNS.sendMessage, backend);
export const GET = apiRoute('listMessages', RUNS.listMessages, backend);
