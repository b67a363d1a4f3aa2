import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Claims, TransactionSql } from '@sms/db';
import { db } from '../db.ts';
import { loginUrl } from '$lib/redirect';
import { isOrgRole, ROLE_LABELS, type OrgRole, type WorkspaceCan } from '$lib/workspaces/roles';

export interface Organization {
	id: string;
	slug: string;
	name: string;
	defaultCountry: string;
	defaultTimeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	contactDailyLimit: number | null;
	messagingServiceSid: string | null;
	fromNumber: string | null;
	monthlySpendCap: string | null;
}

export interface WorkspaceContext {
	organization: Organization;
	role: OrgRole;
	can: WorkspaceCan;
	claims: Claims;
	userId: string;
}

type Event = Pick<RequestEvent, 'locals' | 'url' | 'params'>;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Reads the workspace and the caller's role through RLS: a non-member sees no row at all. */
export async function loadWorkspace(tx: TransactionSql, slug: string): Promise<Omit<WorkspaceContext, 'claims' | 'userId'> | null> {
	const [row] = await tx<
		{
			id: string;
			slug: string;
			name: string;
			default_country: string;
			default_time_zone: string;
			quiet_hours_start: string | null;
			quiet_hours_end: string | null;
			contact_daily_limit: number | null;
			messaging_service_sid: string | null;
			from_number: string | null;
			monthly_spend_cap: string | null;
			role: string;
			own: boolean;
			administer: boolean;
			operate: boolean;
		}[]
	>`
		select o.id, o.slug, o.name, o.default_country, o.default_time_zone,
			to_char(o.quiet_hours_start, 'HH24:MI') as quiet_hours_start,
			to_char(o.quiet_hours_end, 'HH24:MI') as quiet_hours_end,
			o.contact_daily_limit, o.messaging_service_sid, o.from_number, o.monthly_spend_cap::text as monthly_spend_cap,
			m.role::text as role,
			public.has_org_role(o.id, 'owner') as own,
			public.has_org_role(o.id, 'admin') as administer,
			public.has_org_role(o.id, 'operator') as operate
		from public.organizations o
		join public.organization_members m on m.organization_id = o.id and m.user_id = auth.uid()
		where o.slug = ${slug}`;
	if (!row || !isOrgRole(row.role)) return null;
	return {
		organization: {
			id: row.id,
			slug: row.slug,
			name: row.name,
			defaultCountry: row.default_country,
			defaultTimeZone: row.default_time_zone,
			quietHoursStart: row.quiet_hours_start,
			quietHoursEnd: row.quiet_hours_end,
			contactDailyLimit: row.contact_daily_limit,
			messagingServiceSid: row.messaging_service_sid,
			fromNumber: row.from_number,
			monthlySpendCap: row.monthly_spend_cap
		},
		role: row.role,
		can: { own: row.own, administer: row.administer, operate: row.operate }
	};
}

const NEEDS: Record<OrgRole, keyof WorkspaceCan | null> = { owner: 'own', admin: 'administer', operator: 'operate', viewer: null };

/**
 * The workspace named by the URL's slug and the caller's role in it, for every /w/[slug] load
 * and action. Not signed in: to the sign-in page. Not a member (or no such workspace — the two
 * look the same, so a slug's existence is never revealed): 404. Role too low: 403.
 */
export async function requireWorkspace(event: Event, minRole: OrgRole = 'viewer'): Promise<WorkspaceContext> {
	const { user, claims } = event.locals;
	if (!user || !claims) redirect(303, loginUrl(event.url));
	const slug = event.params.slug ?? '';
	const found = SLUG.test(slug) ? await db().asUser(claims, (tx) => loadWorkspace(tx, slug)) : null;
	if (!found) error(404, 'Not Found');
	const need = NEEDS[minRole];
	if (need && !found.can[need]) {
		error(403, `You are ${articled(ROLE_LABELS[found.role])} in ${found.organization.name}; this needs ${articled(ROLE_LABELS[minRole])} or above. Ask an owner or admin.`);
	}
	return { ...found, claims, userId: user.id };
}

function articled(label: string): string {
	return /^[AEIOU]/.test(label) ? `an ${label.toLowerCase()}` : `a ${label.toLowerCase()}`;
}

/** The workspaces the signed-in user belongs to, for the header switcher and /w. */
export async function myWorkspaces(claims: Claims): Promise<{ id: string; slug: string; name: string; role: OrgRole }[]> {
	const rows = await db().asUser(
		claims,
		(tx) => tx<{ id: string; slug: string; name: string; role: string }[]>`
			select o.id, o.slug, o.name, m.role::text as role
			from public.organization_members m
			join public.organizations o on o.id = m.organization_id
			where m.user_id = auth.uid()
			order by lower(o.name), o.slug`
	);
	return rows.flatMap((r) => (isOrgRole(r.role) ? [{ id: r.id, slug: r.slug, name: r.name, role: r.role }] : []));
}
