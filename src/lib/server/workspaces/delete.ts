import type { TransactionSql } from '@sms/db';

/** What deleting a workspace takes with it, so the owner is asked with the numbers in front of them. */
export interface WorkspaceFootprint {
	members: number;
	contacts: number;
	texts: number;
	templates: number;
}

export async function workspaceFootprint(tx: TransactionSql, organizationId: string): Promise<WorkspaceFootprint> {
	const [row] = await tx<WorkspaceFootprint[]>`
		select
			(select count(*)::int from public.organization_members where organization_id = ${organizationId}) as members,
			(select count(*)::int from public.contacts where organization_id = ${organizationId}) as contacts,
			(select count(*)::int from public.sms_messages where organization_id = ${organizationId}) as texts,
			(select count(*)::int from public.sms_templates where organization_id = ${organizationId}) as templates`;
	return row;
}

/**
 * Owners only, the slug typed back (both checked by delete_organization); the audit trigger
 * records the deletion, and the audit log outlives the workspace.
 */
export async function deleteWorkspace(tx: TransactionSql, organizationId: string, confirmSlug: string): Promise<void> {
	await tx`select public.delete_organization(${organizationId}, ${confirmSlug})`;
}
