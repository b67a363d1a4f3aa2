import type { Sql } from '@sms/db';
import { StoreError } from '../errors.ts';

/** What the worker reads about its setting: workspaces' providers, the daily ceiling, the database's health. */

/** One row of a workspace's provider list with its API key, as the worker reads it. */
export interface ProviderConfigRow {
	organizationId: string;
	provider: string;
	position: number;
	enabled: boolean;
	baseUrl: string | null;
	sender: string | null;
	countries: string[];
	apiKey: string | null;
}

/** Each workspace's provider rows with the API key (service role only reads the secrets). */
export async function providerConfigs(sql: Sql, organizationIds: string[]): Promise<ProviderConfigRow[]> {
	const rows = await sql<
		{ organization_id: string; provider: string; position: number; enabled: boolean; base_url: string | null; sender: string | null; countries: string[]; api_key: string | null }[]
	>`
		select p.organization_id, p.provider, p.position, p.enabled, p.base_url, p.sender, p.countries, s.api_key
		from public.workspace_providers p
		left join public.workspace_provider_secrets s on s.provider_id = p.id
		where p.organization_id = any(${organizationIds}::uuid[])`;
	return rows.map((r) => ({
		organizationId: r.organization_id,
		provider: r.provider,
		position: r.position,
		enabled: r.enabled,
		baseUrl: r.base_url,
		sender: r.sender,
		countries: r.countries,
		apiKey: r.api_key
	}));
}

/** The system-wide daily ceiling (sms_max_daily_limit()): the hard cap unless configured. */
export async function maxDailyLimit(sql: Sql): Promise<number> {
	const [row] = await sql<{ max: number }[]>`select public.sms_max_daily_limit() as max`;
	return row.max;
}

export async function ping(sql: Sql): Promise<void> {
	try {
		await sql`select 1`;
	} catch (cause) {
		throw new StoreError('database unreachable', { cause });
	}
}
