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

	forget(keyId: string): void {
		this.buckets.delete(keyId);
	}
}

/**
 * The rate limit of each key, checked BEFORE the database: a send is one SQL call that both
 * authenticates the key and queues the text, so the limit cannot wait for a lookup. A key's rate
 * is learnt from the database's answers (every answer carries it); until then — the first
 * request a process sees for the key — the request goes through and takes its token afterwards.
 * Keyed by the key's SHA-256 (what the database stores, not the secret); only keys the database
 * confirmed are kept, so made-up keys cannot grow the map.
 */
export class ApiKeyLimits {
	private readonly rates = new Map<string, number>();
	constructor(private readonly bucket = new KeyRateLimiter()) {}

	/** Before the database. `wait`: seconds to answer 429 with; `counted`: this request's token is taken. */
	check(keyHash: string): { wait: number | null; counted: boolean; rate: number | null } {
		const rate = this.rates.get(keyHash);
		if (rate === undefined) return { wait: null, counted: false, rate: null };
		return { wait: this.bucket.take(keyHash, rate), counted: true, rate };
	}

	/**
	 * After the database answered for the key: its current rate, or null when it refused the key
	 * (unknown or revoked: forgotten). Returns the wait when the request had not been counted yet
	 * and is over the rate (a caller that has not acted yet may still refuse it).
	 */
	learn(keyHash: string, rate: number | null, counted: boolean): number | null {
		if (rate === null) {
			this.rates.delete(keyHash);
			this.bucket.forget(keyHash);
			return null;
		}
		this.rates.set(keyHash, rate);
		return counted ? null : this.bucket.take(keyHash, rate);
	}
}

/** The web process's limits, shared by every /api/v1 operation. */
export const apiKeyLimits = new ApiKeyLimits();
