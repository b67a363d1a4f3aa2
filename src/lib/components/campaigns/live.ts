import type { Progress } from './types.ts';

export interface LiveCampaign {
	status: string;
	pauseReason: string | null;
	progress: Progress;
}

/**
 * Polls the campaign's JSON (GET /api/w/[slug]/campaigns/[id]) every second while the page is
 * open, so the counts move without a reload. Returns the stop function.
 */
export function pollCampaign(url: string, onUpdate: (c: LiveCampaign) => void, everyMs = 1000): () => void {
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const tick = async () => {
		try {
			const res = await fetch(url, { headers: { accept: 'application/json' } });
			if (res.ok) {
				const body = (await res.json()) as { status: string; pauseReason: string | null; progress: Progress };
				if (!stopped) onUpdate({ status: body.status, pauseReason: body.pauseReason, progress: body.progress });
			}
		} catch {
			// A missed poll (network blip, server restart) is retried on the next tick.
		}
		if (!stopped) timer = setTimeout(tick, everyMs);
	};
	timer = setTimeout(tick, everyMs);
	return () => {
		stopped = true;
		clearTimeout(timer);
	};
}
