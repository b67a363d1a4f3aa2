/**
 * Retry delays: exponential growth with "equal jitter" (half fixed, half random). The fixed half
 * guarantees a real pause after a 429; the random half spreads many workers' retries apart so
 * they do not hit Twilio again in lock-step.
 */
export interface BackoffOptions {
	/** 1 for the first retry (after the first failed attempt). */
	attempt: number;
	baseMs: number;
	maxMs: number;
	/** A number in [0, 1); injectable so tests are deterministic. */
	random?: () => number;
}

export function backoffDelayMs(options: BackoffOptions): number {
	const attempt = Math.max(1, Math.floor(options.attempt));
	const random = options.random ?? Math.random;
	// 2 ** 30 already exceeds any sane cap; clamping the exponent avoids Infinity.
	const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
	const half = exp / 2;
	return Math.round(half + random() * half);
}

/** When a retry should run, as an absolute time. */
export function nextRunAt(options: BackoffOptions & { now: Date }): Date {
	return new Date(options.now.getTime() + backoffDelayMs(options));
}
