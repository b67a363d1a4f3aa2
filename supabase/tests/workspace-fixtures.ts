/**
 * Two workspaces with one person per role, for the workspace tests. Arranged as the people
 * themselves would (create_organization, invitations accepted) where that is what is tested
 * elsewhere; members are added with the service-only add_organization_member for speed.
 */
import type { Sql, TransactionSql } from '@sms/db';
import type { TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, type Person } from './fixtures.ts';

export type RoleName = 'owner' | 'admin' | 'operator' | 'viewer' | 'other_member' | 'non_member' | 'anon';
export const ROLE_NAMES: RoleName[] = ['owner', 'admin', 'operator', 'viewer', 'other_member', 'non_member', 'anon'];

export interface Workspaces {
	/** Workspace A, where owner/admin/operator/viewer are members. */
	a: string;
	/** Workspace B: other_member owns it and is in no other. */
	b: string;
	people: Record<Exclude<RoleName, 'anon'>, Person>;
}

export async function createOrganization(sql: Sql, owner: Person, slug: string): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		insert into public.organizations (slug, name) values (${slug}, ${slug.toUpperCase()}) returning id`;
	await sql`select public.add_organization_member(${row.id}, ${owner.id}, 'owner')`;
	return row.id;
}

export async function createWorkspaces(sql: Sql, prefix: string): Promise<Workspaces> {
	const people = {
		owner: await createPerson(sql, `${prefix}-owner`),
		admin: await createPerson(sql, `${prefix}-admin`),
		operator: await createPerson(sql, `${prefix}-operator`),
		viewer: await createPerson(sql, `${prefix}-viewer`),
		other_member: await createPerson(sql, `${prefix}-other`),
		non_member: await createPerson(sql, `${prefix}-stranger`)
	};
	const a = await createOrganization(sql, people.owner, `${prefix}-a`);
	const b = await createOrganization(sql, people.other_member, `${prefix}-b`);
	for (const role of ['admin', 'operator', 'viewer'] as const) {
		await sql`select public.add_organization_member(${a}, ${people[role].id}, ${role})`;
	}
	return { a, b, people };
}

/** Runs fn as the role (anon signed out, the others signed in) in one transaction. */
export function asRole<T>(t: TestDatabase, w: Workspaces, role: RoleName, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
	return role === 'anon' ? t.db.asAnon(fn) : asPerson(t, w.people[role], fn);
}

class Rollback extends Error {}

/** Like asRole, but always rolls back: for trying writes without changing the fixtures. */
export async function tryAsRole<T>(
	t: TestDatabase,
	w: Workspaces,
	role: RoleName,
	fn: (tx: TransactionSql) => Promise<T>
): Promise<T> {
	let value: T | undefined;
	try {
		await asRole(t, w, role, async (tx) => {
			value = await fn(tx);
			throw new Rollback();
		});
	} catch (error) {
		if (!(error instanceof Rollback)) throw error;
	}
	return value as T;
}
