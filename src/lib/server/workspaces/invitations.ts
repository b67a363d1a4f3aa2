import { createHash, randomBytes } from 'node:crypto';
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

/** 32 random bytes: the link carries the token, the database keeps only its hash. */
export function newInvitationToken(): { token: string; tokenHash: string } {
	const token = randomBytes(32).toString('base64url');
	return { token, tokenHash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Tokens are base64url of 32 bytes; anything else cannot be one (and is not looked up). */
export function isInvitationToken(token: string): boolean {
	return /^[A-Za-z0-9_-]{43}$/.test(token);
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

export async function createInvitation(
	tx: TransactionSql,
	options: { organizationId: string; email: string; role: OrgRole; tokenHash: string }
): Promise<{ id: string; expiresAt: string }> {
	const [row] = await tx<{ id: string; expires_at: Date }[]>`
		select id, expires_at from public.create_invitation(
			${options.organizationId}::uuid, ${options.email}, ${options.role}::public.org_role, ${options.tokenHash})`;
	return { id: row.id, expiresAt: row.expires_at.toISOString() };
}

export async function revokeInvitation(tx: TransactionSql, options: { invitationId: string }): Promise<{ email: string; role: string } | null> {
	const [row] = await tx<{ email: string; role: string }[]>`
		select email, role::text as role from public.organization_invitations where id = ${options.invitationId}`;
	if (!row) return null;
	await tx`select public.revoke_invitation(${options.invitationId}::uuid)`;
	return row;
}

export type InvitationState = 'pending' | 'expired' | 'revoked' | 'accepted';

export interface InvitationView {
	organizationName: string;
	organizationSlug: string;
	email: string;
	role: OrgRole;
	state: InvitationState;
	expiresAt: string;
}

/** What the accept page shows; null when no invitation has this token. */
export async function invitationByToken(tx: TransactionSql, token: string): Promise<InvitationView | null> {
	const [row] = await tx<
		{ organization_name: string; organization_slug: string; email: string; role: string; state: string; expires_at: Date }[]
	>`select organization_name, organization_slug, email, role::text as role, state, expires_at
		from public.invitation_by_token(${hashInvitationToken(token)})`;
	if (!row || !isOrgRole(row.role)) return null;
	const state = (['pending', 'expired', 'revoked', 'accepted'] as const).find((s) => s === row.state) ?? 'pending';
	return {
		organizationName: row.organization_name,
		organizationSlug: row.organization_slug,
		email: row.email,
		role: row.role,
		state,
		expiresAt: row.expires_at.toISOString()
	};
}

export async function acceptInvitation(tx: TransactionSql, token: string): Promise<{ organizationSlug: string }> {
	const [row] = await tx<{ organization_slug: string }[]>`
		select organization_slug from public.accept_invitation(${hashInvitationToken(token)})`;
	return { organizationSlug: row.organization_slug };
}
