/**
 * Workspace roles as the UI names them. Who may do what is decided in the database
 * (public.has_org_role, used by every policy); the server asks it and hands the answers to the
 * pages as `can`, so this file holds labels only, never the ordering rule.
 */
export const ORG_ROLES = ['owner', 'admin', 'operator', 'viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export function isOrgRole(value: unknown): value is OrgRole {
	return typeof value === 'string' && (ORG_ROLES as readonly string[]).includes(value);
}

export const ROLE_LABELS: Record<OrgRole, string> = {
	owner: 'Owner',
	admin: 'Admin',
	operator: 'Operator',
	viewer: 'Viewer'
};

export const ROLE_DESCRIPTIONS: Record<OrgRole, string> = {
	owner: 'Everything, including transferring ownership and deleting the workspace.',
	admin: 'Members, invitations, templates and settings.',
	operator: 'Sends, retries, campaigns and contacts.',
	viewer: 'Reads the log, history and statistics, and exports.'
};

/** What the signed-in member may do here, as answered by has_org_role for each level. */
export interface WorkspaceCan {
	/** owner */
	own: boolean;
	/** admin or above: members, invitations, settings, audit log */
	administer: boolean;
	/** operator or above: contacts, sends */
	operate: boolean;
}

/** The workspace as every /w/[slug] page sees it. */
export interface WorkspaceSummary {
	id: string;
	slug: string;
	name: string;
	role: OrgRole;
}
