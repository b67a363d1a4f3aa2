interface Task {
	due: number;
	seq: number;
	run: () => void;
}

/**
 * One timer for every delayed action in the sandbox (status transitions, callback retries).
 * A binary min-heap ordered by due time keeps thousands of pending actions without
 * thousands of Node timers, and `clear()` drops them all at once on reset/close.
 */
export class Scheduler {
	private heap: Task[] = [];
	private seq = 0;
	private timer: NodeJS.Timeout | null = null;
	private timerDue = Infinity;
	private closed = false;

	/** `onError` hears about a task that threw; the other tasks still run. */
	constructor(private readonly onError: (error: unknown) => void = () => {}) {}

	get size(): number {
		return this.heap.length;
	}

	/** Run `run` after `delayMs` (0 ⇒ on the next timer tick, never synchronously). */
	schedule(delayMs: number, run: () => void): void {
		if (this.closed) return;
		const task = { due: performance.now() + Math.max(0, delayMs), seq: this.seq++, run };
		this.push(task);
		if (task.due < this.timerDue) this.arm();
	}

	clear(): void {
		this.heap = [];
		this.disarm();
	}

	close(): void {
		this.closed = true;
		this.clear();
	}

	private arm(): void {
		this.disarm();
		const next = this.heap[0];
		if (!next) return;
		this.timerDue = next.due;
		this.timer = setTimeout(() => this.tick(), Math.max(0, next.due - performance.now()));
		// The HTTP server keeps the process alive; pending callbacks alone must not.
		this.timer.unref();
	}

	private disarm(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.timerDue = Infinity;
	}

	private tick(): void {
		this.timer = null;
		this.timerDue = Infinity;
		const now = performance.now();
		// Bound the work per tick so a burst cannot starve the HTTP server.
		for (let i = 0; i < 5000; i++) {
			const top = this.heap[0];
			if (!top || top.due > now) break;
			this.pop();
			try {
				top.run();
			} catch (error) {
				this.onError(error);
			}
		}
		this.arm();
	}

	private less(a: Task, b: Task): boolean {
		return a.due < b.due || (a.due === b.due && a.seq < b.seq);
	}

	private push(task: Task): void {
		const h = this.heap;
		h.push(task);
		let i = h.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.less(h[i]!, h[parent]!)) break;
			[h[i], h[parent]] = [h[parent]!, h[i]!];
			i = parent;
		}
	}

	private pop(): void {
		const h = this.heap;
		const last = h.pop();
		if (!last || h.length === 0) return;
		h[0] = last;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			const r = l + 1;
			let m = i;
			if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
			if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
			if (m === i) break;
			[h[i], h[m]] = [h[m]!, h[i]!];
			i = m;
		}
	}
}
