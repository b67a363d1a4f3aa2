/** Browser side of the live stream: status events for my texts, resync after a reconnect. */
export interface LiveHandlers {
	status(id: string): void;
	resync(): void;
	connected(live: boolean): void;
}

export function connectLive(handlers: LiveHandlers, url = '/api/sms/events'): () => void {
	const source = new EventSource(url);
	source.addEventListener('ready', () => {
		handlers.connected(true);
		// Anything that changed before the stream was ready was not streamed: between the server's
		// render and the first connect (a text delivered a few hundred ms after it was queued), or
		// while we were disconnected. Refresh the texts still open.
		handlers.resync();
	});
	source.addEventListener('status', (event) => {
		try {
			const data = JSON.parse((event as MessageEvent<string>).data) as { id?: unknown };
			if (typeof data.id === 'string') handlers.status(data.id);
		} catch {
			// Not ours; ignore.
		}
	});
	source.addEventListener('resync', () => handlers.resync());
	source.addEventListener('error', () => handlers.connected(false));
	return () => source.close();
}
