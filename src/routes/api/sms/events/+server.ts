import { json } from '@sveltejs/kit';
import { liveHub, statusEventStream } from '$lib/server/live';
import type { RequestHandler } from './$types';

/** text/event-stream of status changes to *my* texts, fed by Postgres NOTIFY 'sms_status'. */
export const GET: RequestHandler = ({ locals, request }) => {
	if (!locals.user) return json({ message: 'Sign in to get live updates.' }, { status: 401 });
	const body = statusEventStream({ hub: liveHub(), userId: locals.user.id, signal: request.signal });
	return new Response(body, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			// nginx and friends must not buffer the stream.
			'x-accel-buffering': 'no'
		}
	});
};
