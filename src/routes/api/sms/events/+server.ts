import { json } from '@sveltejs/kit';
import { liveHub, statusEventStream } from '$lib/server/live';
import type { RequestHandler } from './$types';

const MAX_STREAMS_PER_USER = 20;

/** text/event-stream of status changes to *my* texts, fed by Postgres NOTIFY 'sms_status'. */
export const GET: RequestHandler = ({ locals, request }) => {
	if (!locals.user) return json({ message: 'Sign in to get live updates.' }, { status: 401 });
	const hub = liveHub();
	// Each stream holds a connection open: a runaway script must not hold hundreds.
	if (hub.countFor(locals.user.id) >= MAX_STREAMS_PER_USER) {
		return json(
			{ message: 'Live updates are already open in too many tabs. Close some, or reload to see the latest.' },
			{ status: 429, headers: { 'retry-after': '30' } }
		);
	}
	const body = statusEventStream({ hub, userId: locals.user.id, signal: request.signal });
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
