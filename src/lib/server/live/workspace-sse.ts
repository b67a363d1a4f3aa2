import type { LiveHub } from './hub.ts';
import { throttle } from './throttle.ts';
import type { WorkspaceNotice } from './workspace-channel.ts';

const encoder = new TextEncoder();

/** Pages refresh at most this often however fast the workspace's texts change. */
export const WORKSPACE_REFRESH_MS = 1000;

/**
 * A text/event-stream body for a workspace's console pages: a `change` event (no data: the
 * page reloads what it shows, through RLS) at most once per `intervalMs`, `resync` after a
 * database reconnect, and a heartbeat comment.
 */
export function workspaceEventStream(options: {
	hub: LiveHub<WorkspaceNotice>;
	organizationId: string;
	signal?: AbortSignal;
	intervalMs?: number;
	heartbeatMs?: number;
}): ReadableStream<Uint8Array> {
	let cleanup = () => {};
	return new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			const send = (text: string) => {
				if (closed) return;
				try {
					controller.enqueue(encoder.encode(text));
				} catch {
					cleanup();
				}
			};
			const change = throttle(() => send('event: change\ndata: {}\n\n'), options.intervalMs ?? WORKSPACE_REFRESH_MS);
			const unsubscribe = options.hub.subscribe(options.organizationId, {
				notice: () => change.call(),
				resync: () => send('event: resync\ndata: {}\n\n'),
				close: () => cleanup()
			});
			const heartbeat = setInterval(() => send(': ping\n\n'), options.heartbeatMs ?? 15_000);
			const onAbort = () => cleanup();
			cleanup = () => {
				if (closed) return;
				closed = true;
				change.cancel();
				clearInterval(heartbeat);
				unsubscribe();
				options.signal?.removeEventListener('abort', onAbort);
				try {
					controller.close();
				} catch {
					// Already closed by the consumer.
				}
			};
			options.signal?.addEventListener('abort', onAbort);
			send('retry: 2000\n\n');
			send('event: ready\ndata: {}\n\n');
		},
		cancel() {
			cleanup();
		}
	});
}
