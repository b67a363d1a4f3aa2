import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import { LiveHub } from './hub.ts';

let hub: LiveHub | undefined;

/** The process-wide hub: one LISTEN connection for every browser this server streams to. */
export function liveHub(): LiveHub {
	hub ??= new LiveHub({ sql: db().sql, log: log.child({ component: 'live' }) });
	return hub;
}

export { LiveHub, type LiveSubscriber } from './hub.ts';
export { statusEventStream } from './sse.ts';
export { parseStatusNotice, SMS_STATUS_CHANNEL, type StatusNotice } from './notice.ts';
