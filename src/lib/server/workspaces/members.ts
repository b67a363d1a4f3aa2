import type { TransactionSql } from '@sms/db';
import { isOrgRole, type OrgRole } from '$lib/workspaces/roles';

export interface Member {
	userId: string;
	email: string;
	role: OrgRole;
	joinedAt: string;
}

/** Members with their e-mails (auth.users is out of reach of `authenticated`, so a function reads it). */
export async function listMembers(tx: TransactionSql, organizationId: string): Promise<Member[]> {
	const rows = await tx<{ user_id: string; email: string | null; role: string; created_at: Date }[]>`
		select user_id, email, role::text as role, created_at
		from public.list_organization_members(${organizationId}::uuid)
		order by array_position(array['owner','admin','operator','viewer'], role::text), lower(email)`;
	return rows.flatMap((r) =>
		isOrgRole(r.role) ? [{ userId: r.user_id, email: r.email ?? '(no e-mail)', role: r.role, joinedAt: r.created_at.toISOString() }] : []
	);
}

export async function setMemberRole(tx: TransactionSql, options: { organizationId: string; userId: string; role: OrgRole }): Promise<void> {
	await tx`select public.set_member_role(${options.organizationId}::uuid, ${options.userId}::uuid, ${options.role}::public.org_role)`;
}

export async function removeMember(tx: TransactionSql, options: { organizationId: string; userId: string }): Promise<void> {
	await tx`select public.remove_member(${options.organizationId}::uuid, ${options.userId}::uuid)`;
}

export async function transferOwnership(tx: TransactionSql, options: { organizationId: string; userId: string }): Promise<void> {
	await tx`select public.transfer_ownership(${options.organizationId}::uuid, ${options.userId}::uuid)`;
}
