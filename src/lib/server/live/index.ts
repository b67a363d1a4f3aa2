import { listenSql } from '$lib/server/db';
import { log } from '$lib/server/log';
import { LiveHub } from './hub.ts';

let hub: LiveHub | undefined;

/** The process-wide hub: one LISTEN connection for every browser this server streams to. */
export function liveHub(): LiveHub {
	if (!hub) {
		const created = new LiveHub({ sql: listenSql(), log: log.child({ component: 'live' }) });
		// On SIGTERM/SIGINT adapter-node waits for open responses: end the event streams and
		// release the LISTEN connection, so shutdown is not held up for SHUTDOWN_TIMEOUT.
		const shutdown = () => void created.close().catch(() => {});
		process.once('SIGTERM', shutdown);
		process.once('SIGINT', shutdown);
		hub = created;
	}
	return hub;
}

/** Live-update streams open now (0 before the first one: asking never starts the LISTEN). */
export function openStreams(): number {
	return hub?.size ?? 0;
}

export { LiveHub, type LiveSubscriber } from './hub.ts';
export { statusEventStream } from './sse.ts';
export { parseStatusNotice, SMS_STATUS_CHANNEL, type StatusNotice } from './notice.ts';
