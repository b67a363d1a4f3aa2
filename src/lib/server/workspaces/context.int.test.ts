/**
 * requireWorkspace against a real database, through RLS as each member: who gets in at which
 * minimum role, and that a non-member cannot tell a workspace that exists from one that doesn't.
 */
import { isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ORG_ROLES, type OrgRole } from '$lib/workspaces/roles';

let t: TestDatabase;
// requireWorkspace uses the app's pool; point it at this file's database.
vi.mock('../db.ts', () => ({ db: () => t.db }));
const { requireWorkspace } = await import('./context.ts');

type Event = Pick<RequestEvent, 'locals' | 'url' | 'params'>;

const members: Partial<Record<OrgRole, string>> = {};
let outsider: string;
let orgId: string;

function event(slug: string, userId: string | null): Event {
	return {
		params: { slug },
		url: new URL(`http://app.test/w/${slug}/messages?x=1`),
		locals: (userId ? { user: { id: userId }, claims: { sub: userId, role: 'authenticated' } } : {}) as Event['locals']
	};
}

async function outcome(p: Promise<unknown>): Promise<{ status: number; message?: string; location?: string }> {
	try {
		await p;
		return { status: 200 };
	} catch (e) {
		if (isRedirect(e)) return { status: e.status, location: e.location };
		if (isHttpError(e)) return { status: e.status, message: e.body.message };
		throw e;
	}
}

beforeAll(async () => {
	t = await createTestDatabase();
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('acme', 'Acme Events') returning id`;
	orgId = o!.id;
	for (const role of ORG_ROLES) {
		const id = await createUser(t.sql, { email: `${role}@acme.test` });
		await t.sql`select public.add_organization_member(${orgId}, ${id}, ${role})`;
		members[role] = id;
	}
	outsider = await createUser(t.sql, { email: 'outsider@elsewhere.test' });
	const [other] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('elsewhere', 'Elsewhere') returning id`;
	await t.sql`select public.add_organization_member(${other!.id}, ${outsider}, 'owner')`;
});
afterAll(async () => {
	await t?.close();
});

describe('requireWorkspace', () => {
	it('sends a visitor who is not signed in to the sign-in page, coming back to the same URL', async () => {
		const r = await outcome(requireWorkspace(event('acme', null), 'viewer'));
		expect(r.status).toBe(303);
		expect(r.location).toMatch(/^\/login\?redirectTo=/);
		expect(decodeURIComponent(r.location!.split('redirectTo=')[1]!)).toBe('/w/acme/messages?x=1');
	});

	it('answers 404 alike for a workspace that exists but is not yours, one that does not exist, and a malformed slug', async () => {
		const theirs = await outcome(requireWorkspace(event('acme', outsider), 'viewer'));
		const none = await outcome(requireWorkspace(event('no-such-workspace', outsider), 'viewer'));
		const bad = await outcome(requireWorkspace(event('../acme', outsider), 'viewer'));
		expect(theirs).toEqual({ status: 404, message: 'Not Found' });
		expect(none).toEqual(theirs);
		expect(bad).toEqual(theirs);
	});

	// Every member × every minimum role: in when their role ranks at or above it, else 403
	// naming both roles — never 404 for a member.
	for (const mine of ORG_ROLES) {
		for (const need of ORG_ROLES) {
			const allowed = ORG_ROLES.indexOf(mine) <= ORG_ROLES.indexOf(need);
			it(`${mine} asking for ${need}: ${allowed ? 'in' : '403'}`, async () => {
				const p = requireWorkspace(event('acme', members[mine]!), need);
				if (allowed) {
					const ctx = await p;
					expect(ctx.organization).toMatchObject({ id: orgId, slug: 'acme', name: 'Acme Events' });
					expect(ctx.role).toBe(mine);
					expect(ctx.userId).toBe(members[mine]);
					expect(ctx.can).toEqual({
						own: mine === 'owner',
						administer: mine === 'owner' || mine === 'admin',
						operate: mine !== 'viewer'
					});
				} else {
					const r = await outcome(p);
					expect(r.status).toBe(403);
					expect(r.message).toContain('in Acme Events; this needs');
				}
			});
		}
	}

	it('follows the database, not a cached answer: a removed member is out on the next request', async () => {
		const id = await createUser(t.sql, { email: 'temp@acme.test' });
		await t.sql`select public.add_organization_member(${orgId}, ${id}, 'operator')`;
		expect((await outcome(requireWorkspace(event('acme', id), 'operator'))).status).toBe(200);
		await t.sql`delete from public.organization_members where organization_id = ${orgId} and user_id = ${id}`;
		expect((await outcome(requireWorkspace(event('acme', id), 'viewer'))).status).toBe(404);
	});
});
