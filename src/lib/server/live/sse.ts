import type { LiveHub } from './hub.ts';

const encoder = new TextEncoder();

function frame(event: string, data: unknown): Uint8Array {
	return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * A text/event-stream body for one signed-in user: `status` events for their own messages,
 * `resync` after a database reconnect, and a comment heartbeat so proxies keep it open.
 */
export function statusEventStream(options: {
	hub: LiveHub;
	userId: string;
	signal?: AbortSignal;
	heartbeatMs?: number;
}): ReadableStream<Uint8Array> {
	let cleanup = () => {};
	return new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			const send = (chunk: Uint8Array) => {
				if (closed) return;
				try {
					controller.enqueue(chunk);
				} catch {
					cleanup();
				}
			};
			const unsubscribe = options.hub.subscribe(options.userId, {
				notice: (n) => send(frame('status', { id: n.messageId, status: n.status })),
				resync: () => send(frame('resync', {})),
				close: () => cleanup()
			});
			const heartbeat = setInterval(() => send(encoder.encode(': ping\n\n')), options.heartbeatMs ?? 15_000);
			cleanup = () => {
				if (closed) return;
				closed = true;
				clearInterval(heartbeat);
				unsubscribe();
				options.signal?.removeEventListener('abort', onAbort);
				try {
					controller.close();
				} catch {
					// Already closed by the consumer.
				}
			};
			const onAbort = () => cleanup();
			options.signal?.addEventListener('abort', onAbort);
			// Reconnect quickly after a drop; tell the client it is live now.
			send(encoder.encode('retry: 2000\n\n'));
			send(frame('ready', {}));
		},
		cancel() {
			cleanup();
		}
	});
}
