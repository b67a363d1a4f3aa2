import { json } from '@sveltejs/kit';
import { workspaceEventStream, workspaceHub } from '$lib/server/live';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { RequestHandler } from './$types';

/** Each stream holds a connection open: one workspace's pages in many tabs, not hundreds. */
const MAX_STREAMS_PER_WORKSPACE = 200;

/**
 * text/event-stream for a workspace's console pages: `change` (at most once a second) when any
 * of its texts changes. The event carries nothing: the page reloads its data as the member.
 */
export const GET: RequestHandler = async (event) => {
	if (!event.locals.user) return json({ message: 'Sign in to get live updates.' }, { status: 401 });
	const ctx = await requireWorkspace(event, 'viewer');
	const hub = workspaceHub();
	if (hub.countFor(ctx.organization.id) >= MAX_STREAMS_PER_WORKSPACE) {
		return json({ message: 'Too many live views of this workspace are open. Reload to see the latest.' }, { status: 429, headers: { 'retry-after': '30' } });
	}
	const body = workspaceEventStream({ hub, organizationId: ctx.organization.id, signal: event.request.signal });
	return new Response(body, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			connection: 'keep-alive',
			'x-accel-buffering': 'no'
		}
	});
};
