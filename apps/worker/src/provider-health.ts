import type { ProviderError, ProviderId } from '@sms/providers';

/**
 * Which providers this worker currently sees as down, per workspace (each workspace has its own
 * key and base URL). A provider is down after `threshold` consecutive outages (timeouts, 5xx)
 * or at once when it refuses the account; for `cooldownMs` after that, new texts start with
 * the next provider in the list instead of spending a timeout each. Then one text tries it
 * again; a success puts it back at once. Per process on purpose (as OutageCounter): skipping a
 * provider before anything was sent is always safe, so no coordination is needed.
 */
export class ProviderHealth {
	/** Consecutive outages per workspace and provider (OutageCounter's rule, keyed by scope too). */
	private readonly outages = new Map<string, number>();
	private readonly downUntil = new Map<string, number>();

	constructor(
		private readonly options: { threshold: number; cooldownMs: number; now?: () => number }
	) {}

	get threshold(): number {
		return this.options.threshold;
	}

	private now(): number {
		return this.options.now?.() ?? Date.now();
	}

	/** Records a failure; returns the provider's consecutive outages (for decideFailover). */
	failed(scope: string | null, provider: ProviderId, error: ProviderError): number {
		const key = `${scope ?? '-'}:${provider}`;
		let n = this.outages.get(key) ?? 0;
		if (error.kind === 'provider_unavailable' && error.reason === 'outage') this.outages.set(key, ++n);
		const down = error.kind === 'provider_unavailable' && (error.reason === 'misconfigured' || n >= this.options.threshold);
		if (down) this.downUntil.set(key, this.now() + this.options.cooldownMs);
		return n;
	}

	succeeded(scope: string | null, provider: ProviderId): void {
		const key = `${scope ?? '-'}:${provider}`;
		this.outages.delete(key);
		this.downUntil.delete(key);
	}

	isDown(scope: string | null, provider: ProviderId): boolean {
		const until = this.downUntil.get(`${scope ?? '-'}:${provider}`);
		return until !== undefined && until > this.now();
	}

	/** The route with the providers seen as down moved to the end (still tried if all are down). */
	order(scope: string | null, route: readonly ProviderId[]): ProviderId[] {
		const up = route.filter((p) => !this.isDown(scope, p));
		return up.length === route.length ? [...route] : [...up, ...route.filter((p) => this.isDown(scope, p))];
	}
}
