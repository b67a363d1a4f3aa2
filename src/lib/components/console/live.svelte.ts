import { invalidate } from '$app/navigation';

/**
 * Keeps a console page fresh: listens to the workspace's event stream and reloads the data
 * that `depends(key)` while the page is open (the server sends at most one change a second).
 * Returns the stop function; `live.connected` says whether the stream is open.
 */
export function watchWorkspace(slug: string, key: string) {
	const state = $state({ connected: false, refreshedAt: null as Date | null });
	let busy = false;
	let again = false;
	const refresh = async () => {
		if (busy) {
			again = true;
			return;
		}
		busy = true;
		try {
			await invalidate(key);
			state.refreshedAt = new Date();
		} finally {
			busy = false;
			if (again) {
				again = false;
				void refresh();
			}
		}
	};
	const source = new EventSource(`/api/w/${slug}/events`);
	// Changes before the stream was ready (after the server's render, or while disconnected)
	// were not streamed: reload once connected.
	source.addEventListener('ready', () => {
		state.connected = true;
		void refresh();
	});
	source.addEventListener('change', () => void refresh());
	source.addEventListener('resync', () => void refresh());
	source.onerror = () => (state.connected = false);
	return { state, stop: () => source.close() };
}
