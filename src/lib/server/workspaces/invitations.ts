import type { TransactionSql } from '@sms/db';
import { isOrgRole, type OrgRole } from '$lib/workspaces/roles';

export interface PendingInvitation {
	id: string;
	email: string;
	role: OrgRole;
	invitedAt: string;
	expiresAt: string;
	expired: boolean;
}

/** Tokens are 64 hex characters (create_organization_invitation); anything else is not looked up. */
export function isInvitationToken(token: string): boolean {
	return /^[0-9a-f]{64}$/.test(token);
}

export async function listPendingInvitations(tx: TransactionSql, organizationId: string): Promise<PendingInvitation[]> {
	const rows = await tx<{ id: string; email: string; role: string; created_at: Date; expires_at: Date; expired: boolean }[]>`
		select id, email, role::text as role, created_at, expires_at, expires_at <= now() as expired
		from public.organization_invitations
		where organization_id = ${organizationId} and accepted_at is null and revoked_at is null
		order by created_at desc
		limit 200`;
	return rows.flatMap((r) =>
		isOrgRole(r.role)
			? [{ id: r.id, email: r.email, role: r.role, invitedAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(), expired: r.expired }]
			: []
	);
}

/** Creates the invitation (superseding an open one for the same address); the token is returned this once. */
export async function createInvitation(
	tx: TransactionSql,
	options: { organizationId: string; email: string; role: OrgRole }
): Promise<{ id: string; token: string; expiresAt: string }> {
	const [row] = await tx<{ invitation_id: string; token: string; expires_at: Date }[]>`
		select invitation_id, token, expires_at
		from public.create_organization_invitation(${options.organizationId}::uuid, ${options.email}, ${options.role}::public.org_role)`;
	return { id: row.invitation_id, token: row.token, expiresAt: row.expires_at.toISOString() };
}

export async function revokeInvitation(tx: TransactionSql, options: { organizationId: string; invitationId: string }): Promise<{ email: string } | null> {
	const [row] = await tx<{ email: string }[]>`
		select email from public.organization_invitations where id = ${options.invitationId} and organization_id = ${options.organizationId}`;
	if (!row) return null;
	await tx`select public.revoke_organization_invitation(${options.invitationId}::uuid)`;
	return row;
}

export type InvitationState = 'open' | 'expired' | 'revoked' | 'accepted';

export interface InvitationView {
	organizationName: string;
	organizationSlug: string;
	email: string;
	role: OrgRole;
	state: InvitationState;
	expiresAt: string;
	emailMatches: boolean;
}

/** What the accept page shows; null when no invitation has this token. */
export async function invitationByToken(tx: TransactionSql, token: string): Promise<InvitationView | null> {
	const [row] = await tx<
		{ organization_name: string; organization_slug: string; email: string; role: string; state: string; expires_at: Date; email_matches: boolean }[]
	>`select organization_name, organization_slug, email, role::text as role, state, expires_at, email_matches
		from public.invitation_preview(${token})`;
	if (!row || !isOrgRole(row.role)) return null;
	const state = (['open', 'expired', 'revoked', 'accepted'] as const).find((s) => s === row.state) ?? 'revoked';
	return {
		organizationName: row.organization_name,
		organizationSlug: row.organization_slug,
		email: row.email,
		role: row.role,
		state,
		expiresAt: row.expires_at.toISOString(),
		emailMatches: row.email_matches
	};
}

export async function acceptInvitation(tx: TransactionSql, token: string): Promise<{ organizationSlug: string; role: string }> {
	const [row] = await tx<{ organization_slug: string; role: string }[]>`
		select organization_slug, role::text as role from public.accept_organization_invitation(${token})`;
	return { organizationSlug: row.organization_slug, role: row.role };
}
