import { listenSql } from '$lib/server/db';
import { log } from '$lib/server/log';
import { LiveHub } from './hub.ts';
import { workspaceChannel, type WorkspaceNotice } from './workspace-channel.ts';

let hub: LiveHub | undefined;
let workspaces: LiveHub<WorkspaceNotice> | undefined;

/** Ends a hub's streams on SIGTERM/SIGINT, so adapter-node's shutdown is not held up. */
function closeOnShutdown(h: { close(): Promise<void> }): void {
	// adapter-node waits for open responses: end the event streams and release the LISTEN
	// connection, so shutdown is not held up for SHUTDOWN_TIMEOUT.
	const shutdown = () => void h.close().catch(() => {});
	process.once('SIGTERM', shutdown);
	process.once('SIGINT', shutdown);
}

/** The process-wide hub: one LISTEN connection for every browser this server streams to. */
export function liveHub(): LiveHub {
	if (!hub) {
		hub = new LiveHub({ sql: listenSql(), log: log.child({ component: 'live' }) });
		closeOnShutdown(hub);
	}
	return hub;
}

/** The process-wide hub of 'sms_workspace' (console pages), keyed by workspace id. */
export function workspaceHub(): LiveHub<WorkspaceNotice> {
	if (!workspaces) {
		workspaces = new LiveHub({ sql: listenSql(), log: log.child({ component: 'live-workspace' }), reader: workspaceChannel });
		closeOnShutdown(workspaces);
	}
	return workspaces;
}

/** Live-update streams open now (0 before the first one: asking never starts the LISTEN). */
export function openStreams(): number {
	return (hub?.size ?? 0) + (workspaces?.size ?? 0);
}

export { LiveHub, type LiveSubscriber } from './hub.ts';
export { statusEventStream } from './sse.ts';
export { workspaceEventStream, WORKSPACE_REFRESH_MS } from './workspace-sse.ts';
export { SMS_WORKSPACE_CHANNEL, type WorkspaceNotice } from './workspace-channel.ts';
export { parseStatusNotice, SMS_STATUS_CHANNEL, type StatusNotice } from './notice.ts';
