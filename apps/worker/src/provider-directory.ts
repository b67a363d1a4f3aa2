import {
	checkProviderBaseUrl,
	isProviderId,
	ProviderError,
	routeFor,
	SmsRetailProvider,
	Telecom23Provider,
	type FetchLike,
	type ProviderId,
	type ProviderResult,
	type RouteEntry,
	type SmsProvider
} from '@sms/providers';
import type { ProviderConfigRow } from './store.ts';

/**
 * Each workspace's providers as the worker uses them: the route for a text (routeFor over the
 * workspace's rows) and one adapter per configured provider. Read from the database at most
 * every `ttlMs` per workspace, so a change in the settings reaches every worker within that
 * time without a query per batch. Twilio is the server's account (one adapter for everyone).
 */
export interface ProviderDirectoryOptions {
	twilio: SmsProvider;
	load: (organizationIds: string[]) => Promise<ProviderConfigRow[]>;
	/** Where the HTTP providers post delivery reports (PUBLIC_BASE_URL + /api/webhooks/sms). */
	callbackUrl: string;
	timeoutMs: number;
	ttlMs: number;
	fetch?: FetchLike;
	now?: () => number;
}

interface Workspace {
	loadedAt: number;
	entries: RouteEntry[];
	adapters: Map<ProviderId, SmsProvider>;
}

/** A provider whose settings cannot work (no key, a refused URL): every call says so, and the text fails over. */
class MisconfiguredProvider implements SmsProvider {
	constructor(
		readonly id: ProviderId,
		private readonly reason: string
	) {}

	private error<T>(): ProviderResult<T> {
		return {
			ok: false,
			error: new ProviderError({
				provider: this.id,
				kind: 'provider_unavailable',
				reason: 'misconfigured',
				accepted: 'no',
				code: 'not_configured',
				httpStatus: null,
				message: `${this.id} is not usable in this workspace: ${this.reason}`
			})
		};
	}

	send() {
		return Promise.resolve(this.error<never>());
	}
	fetchStatus() {
		return Promise.resolve(this.error<never>());
	}
	findDispatched() {
		return Promise.resolve(this.error<never>());
	}
}

export class ProviderDirectory {
	private readonly workspaces = new Map<string, Workspace>();

	constructor(private readonly options: ProviderDirectoryOptions) {}

	private now(): number {
		return this.options.now?.() ?? Date.now();
	}

	/** Makes sure these workspaces' settings are at most ttlMs old (one query for all stale ones). */
	async refresh(organizationIds: readonly (string | null)[]): Promise<void> {
		const now = this.now();
		const stale = [...new Set(organizationIds.filter((id): id is string => id !== null))].filter((id) => {
			const w = this.workspaces.get(id);
			return !w || now - w.loadedAt >= this.options.ttlMs;
		});
		if (stale.length === 0) return;
		const rows = await this.options.load(stale);
		for (const id of stale) {
			this.workspaces.set(id, this.build(rows.filter((r) => r.organizationId === id), now));
		}
	}

	/** The providers to try for a text, in the workspace's order (Twilio alone without a list). */
	route(organizationId: string | null, to: string): ProviderId[] {
		const w = organizationId ? this.workspaces.get(organizationId) : undefined;
		return routeFor(w?.entries ?? [], to);
	}

	/** The adapter to call; a provider the workspace no longer configures is asked as it was not usable. */
	adapter(organizationId: string | null, provider: ProviderId): SmsProvider {
		if (provider === 'twilio') return this.options.twilio;
		const w = organizationId ? this.workspaces.get(organizationId) : undefined;
		return w?.adapters.get(provider) ?? new MisconfiguredProvider(provider, 'it is not configured any more');
	}

	private build(rows: ProviderConfigRow[], now: number): Workspace {
		const entries: RouteEntry[] = [];
		const adapters = new Map<ProviderId, SmsProvider>();
		for (const r of rows) {
			if (!isProviderId(r.provider)) continue;
			entries.push({ provider: r.provider, position: r.position, enabled: r.enabled, countries: r.countries });
			if (r.provider === 'twilio') continue;
			adapters.set(r.provider, this.httpAdapter(r.provider, r));
		}
		return { loadedAt: now, entries, adapters };
	}

	private httpAdapter(provider: Exclude<ProviderId, 'twilio'>, r: ProviderConfigRow): SmsProvider {
		// Checked again here, not only by the table's constraint: see checkProviderBaseUrl.
		const url = checkProviderBaseUrl(r.baseUrl);
		if (!url.ok) return new MisconfiguredProvider(provider, url.reason);
		if (!r.apiKey) return new MisconfiguredProvider(provider, 'no API key is set');
		if (!r.sender) return new MisconfiguredProvider(provider, 'no sender is set');
		const config = {
			baseUrl: r.baseUrl as string,
			apiKey: r.apiKey,
			sender: r.sender,
			callbackUrl: this.options.callbackUrl,
			timeoutMs: this.options.timeoutMs,
			fetch: this.options.fetch
		};
		return provider === 'sms-retail' ? new SmsRetailProvider(config) : new Telecom23Provider(config);
	}
}
