import type { TransactionSql } from '@sms/db';
import { generateApiKey } from '../api/v1/keys.ts';
import { refusalsAsErrors } from './errors.ts';

export const API_SCOPES = ['messages:write', 'messages:read', 'contacts:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyRow {
	id: string;
	name: string;
	prefix: string;
	scopes: string[];
	ratePerSecond: number;
	createdAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
	createdBy: string | null;
}

/** The workspace's keys, live first (RLS: admins and owners only). */
export async function listApiKeys(tx: TransactionSql, organizationId: string): Promise<ApiKeyRow[]> {
	const rows = await tx<
		{ id: string; name: string; prefix: string; scopes: string[]; rate: number; created_at: Date; last_used_at: Date | null; revoked_at: Date | null; created_by: string | null }[]
	>`
		select k.id, k.name, k.prefix, k.scopes, k.rate_limit_per_second as rate, k.created_at, k.last_used_at, k.revoked_at,
			(select m.email from public.list_organization_members(k.organization_id) m where m.user_id = k.created_by) as created_by
		from public.api_keys k
		where k.organization_id = ${organizationId}
		order by k.revoked_at is not null, k.created_at desc
		limit 200`;
	return rows.map((r) => ({
		id: r.id,
		name: r.name,
		prefix: r.prefix,
		scopes: r.scopes,
		ratePerSecond: r.rate,
		createdAt: r.created_at.toISOString(),
		lastUsedAt: r.last_used_at?.toISOString() ?? null,
		revokedAt: r.revoked_at?.toISOString() ?? null,
		createdBy: r.created_by
	}));
}

/** Creates a key; the secret is returned to be shown once and is never stored. */
export async function createApiKey(
	tx: TransactionSql,
	o: { organizationId: string; name: string; scopes: ApiScope[]; ratePerSecond: number }
): Promise<{ id: string; secret: string; prefix: string }> {
	const key = generateApiKey();
	const [row] = await refusalsAsErrors(() => tx<{ id: string }[]>`
		select id from public.create_api_key(${o.organizationId}::uuid, ${o.name}, ${o.scopes}::text[],
			${key.prefix}, ${key.hash}, ${o.ratePerSecond})`);
	return { id: row.id, secret: key.secret, prefix: key.prefix };
}

export async function revokeApiKey(tx: TransactionSql, keyId: string): Promise<{ name: string; prefix: string }> {
	const [row] = await refusalsAsErrors(() => tx<{ name: string; prefix: string }[]>`
		select name, prefix from public.revoke_api_key(${keyId}::uuid)`);
	return row;
}
