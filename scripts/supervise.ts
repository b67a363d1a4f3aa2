/**
 * Keeps a child process running: when it dies unexpectedly it is started again after a pause
 * that doubles with each quick death (1 s, 2 s, 4 s … up to 30 s) and resets once the child
 * has stayed up for a minute. A child that exits with EX_CONFIG (78) is not restarted: its
 * configuration is wrong and will stay wrong.
 */
import type { ChildProcess } from 'node:child_process';

export const EX_CONFIG = 78;

export interface SupervisorOptions {
	name: string;
	start: () => ChildProcess;
	/** True while the stack is shutting down: exits are expected then. */
	stopping: () => boolean;
	say: (line: string) => void;
	/** Called when the child will not be restarted. */
	giveUp: (code: number | null) => void;
	baseMs?: number;
	maxMs?: number;
	stableMs?: number;
}

export interface Supervised {
	/** The running process (replaced on each restart). */
	current(): ChildProcess;
	restarts(): number;
}

export function supervise(options: SupervisorOptions): Supervised {
	const base = options.baseMs ?? 1_000;
	const max = options.maxMs ?? 30_000;
	const stable = options.stableMs ?? 60_000;
	let delay = base;
	let restarts = 0;
	let proc: ChildProcess;

	const launch = () => {
		const startedAt = Date.now();
		proc = options.start();
		proc.once('exit', (code, signal) => {
			if (options.stopping()) return;
			if (code === EX_CONFIG) {
				options.say(`${options.name} exited: its configuration is invalid (see above); not restarting`);
				options.giveUp(code);
				return;
			}
			if (Date.now() - startedAt >= stable) delay = base;
			options.say(`${options.name} exited (${signal ?? code}); restarting in ${Math.round(delay / 1000)} s`);
			const timer = setTimeout(() => {
				if (options.stopping()) return;
				restarts++;
				launch();
			}, delay);
			timer.unref?.();
			delay = Math.min(max, delay * 2);
		});
	};
	launch();
	return { current: () => proc, restarts: () => restarts };
}
