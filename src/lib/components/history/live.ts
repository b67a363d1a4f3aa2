/** Browser side of the live stream: status events for my texts, resync after a reconnect. */
export interface LiveHandlers {
	status(id: string): void;
	resync(): void;
	connected(live: boolean): void;
}

export function connectLive(handlers: LiveHandlers, url = '/api/sms/events'): () => void {
	const source = new EventSource(url);
	let wasOpen = false;
	source.addEventListener('ready', () => {
		handlers.connected(true);
		// Anything that changed while we were disconnected was not streamed: refresh.
		if (wasOpen) handlers.resync();
		wasOpen = true;
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
