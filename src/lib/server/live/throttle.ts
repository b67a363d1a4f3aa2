/**
 * Calls `fire` at most once per `intervalMs`: the first call at once, calls during the pause
 * folded into one at its end (so the last change is never lost).
 */
export function throttle(fire: () => void, intervalMs: number): { call(): void; cancel(): void } {
	let last = -Infinity;
	let timer: ReturnType<typeof setTimeout> | null = null;
	const run = () => {
		timer = null;
		last = Date.now();
		fire();
	};
	return {
		call() {
			if (timer) return;
			const wait = last + intervalMs - Date.now();
			if (wait <= 0) run();
			else timer = setTimeout(run, wait);
		},
		cancel() {
			if (timer) clearTimeout(timer);
			timer = null;
		}
	};
}
