import type { ProviderError } from '../errors.ts';
import type { ProviderId } from '../port.ts';

/**
 * What the send path does after a provider failed one text:
 * - `retry`: same provider, later (it works, not for this text now; or an outage below the threshold);
 * - `fail`: the text will never go (permanent);
 * - `failover`: send it through `next` now (the provider is down or refuses the account, and
 *   certainly did not accept the text);
 * - `look_up`: the provider may have accepted it: ask it (findDispatched) before anything else;
 *   only an empty answer makes failover safe;
 * - `exhausted`: down or refusing, certainly not accepted, and no provider left: retry later
 *   from the top of the list.
 */
export type FailoverDecision =
	| { action: 'retry' }
	| { action: 'fail' }
	| { action: 'failover'; next: ProviderId }
	| { action: 'look_up' }
	| { action: 'exhausted' };

/**
 * @param route the text's provider list (routeFor), in order
 * @param tried providers already tried for this text (this one included)
 * @param outages consecutive outage failures of this provider, this one included (OutageCounter)
 * @param threshold outages before the provider counts as down
 */
export function decideFailover(input: {
	error: ProviderError;
	route: readonly ProviderId[];
	tried: ReadonlySet<ProviderId>;
	outages: number;
	threshold: number;
}): FailoverDecision {
	const { error } = input;
	if (error.kind === 'permanent') return { action: 'fail' };
	if (error.kind === 'retry_later') return { action: 'retry' };
	// provider_unavailable
	const down = error.reason === 'misconfigured' || input.outages >= input.threshold;
	if (!down) return { action: 'retry' };
	if (error.accepted !== 'no') return { action: 'look_up' };
	const next = input.route.find((p) => !input.tried.has(p));
	return next ? { action: 'failover', next } : { action: 'exhausted' };
}

/**
 * Consecutive outage failures per provider, as one worker sees them: a success resets the
 * count, so a provider that answers again is used again. Per process on purpose: each worker
 * decides from what it sees itself, and a restarted worker starts by trusting the list.
 */
export class OutageCounter {
	private readonly counts = new Map<ProviderId, number>();

	failed(provider: ProviderId, error: ProviderError): number {
		if (error.kind !== 'provider_unavailable' || error.reason !== 'outage') return this.count(provider);
		const n = this.count(provider) + 1;
		this.counts.set(provider, n);
		return n;
	}

	succeeded(provider: ProviderId): void {
		this.counts.delete(provider);
	}

	count(provider: ProviderId): number {
		return this.counts.get(provider) ?? 0;
	}
}
