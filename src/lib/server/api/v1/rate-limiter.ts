/**
 * Per-key token bucket: `ratePerSecond` requests a second on average, bursts up to the same
 * number. In memory, per web process: with N processes a key gets up to N× the rate, which is
 * acceptable for a flood guard (the durable limits — daily caps, spend — live in SQL).
 */
export class KeyRateLimiter {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();
	constructor(private readonly now: () => number = () => performance.now()) {}

	/** null when allowed; otherwise the seconds to wait (for Retry-After). */
	take(keyId: string, ratePerSecond: number): number | null {
		const t = this.now();
		const b = this.buckets.get(keyId) ?? { tokens: ratePerSecond, at: t };
		b.tokens = Math.min(ratePerSecond, b.tokens + ((t - b.at) / 1000) * ratePerSecond);
		b.at = t;
		this.buckets.set(keyId, b);
		if (b.tokens >= 1) {
			b.tokens -= 1;
			return null;
		}
		return Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond));
	}
}
