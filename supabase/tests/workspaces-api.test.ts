/**
 * The workspace SQL API as each role calls it (as `authenticated` with claims): who may change
 * settings, members, invitations and contacts; the invitation rules (accept once, expired and
 * revoked refused, e-mail must match); the last owner; nobody promotes themselves.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, type Person } from './fixtures.ts';
import { ROLE_NAMES, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';
import { openPhone, phoneColumns, phoneHash } from '@sms/db/testing';

let t: TestDatabase;
let w: Workspaces;
let contactId: string;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'api');
	const [c] = await t.sql`insert into public.contacts ${t.sql({ organization_id: w.a, name: 'Ada Contact', ...phoneColumns('+14155558001') })} returning id`;
	contactId = c.id;
});

afterAll(async () => {
	await t?.close();
});

/** 'ok', or the SQLSTATE the call raised (WS001 forbidden, 42501 permission denied, ...). */
async function outcome(role: RoleName, call: (tx: TransactionSql) => Promise<unknown>): Promise<string> {
	try {
		await tryAsRole(t, w, role, call);
		return 'ok';
	} catch (error) {
		if (error instanceof postgres.PostgresError) return error.code;
		throw error;
	}
}

type Call = (tx: TransactionSql) => Promise<unknown>;
const calls: Record<string, Call> = {
	'list members': (tx) => tx`select * from public.list_organization_members(${w.a})`,
	'rename the workspace': (tx) => tx`select public.update_organization_settings(${w.a}, ${tx.json({ name: 'Renamed' })})`,
	'set quiet hours and the contact cap': (tx) =>
		tx`select public.update_organization_settings(${w.a}, ${tx.json({ quiet_hours_start: '21:00', quiet_hours_end: '08:00', contact_daily_limit: 3 })})`,
	'raise the monthly spend cap': (tx) => tx`select public.update_organization_settings(${w.a}, ${tx.json({ monthly_spend_cap: 1000 })})`,
	'invite a viewer': (tx) => tx`select * from public.create_organization_invitation(${w.a}, 'new@example.com', 'viewer')`,
	'invite an owner': (tx) => tx`select * from public.create_organization_invitation(${w.a}, 'new@example.com', 'owner')`,
	'make the viewer an operator': (tx) => tx`select public.set_member_role(${w.a}, ${w.people.viewer.id}, 'operator')`,
	'demote the owner': (tx) => tx`select public.set_member_role(${w.a}, ${w.people.owner.id}, 'viewer')`,
	'remove the operator': (tx) => tx`select public.remove_member(${w.a}, ${w.people.operator.id})`,
	'add a contact': (tx) => tx`select public.upsert_contact(${w.a}, ${tx.json({ name: 'New', ...phoneColumns('+14155558002') })})`,
	'edit a contact': (tx) => tx`select public.update_contact(${contactId}, ${tx.json({ name: 'Edited' })})`,
	'delete a contact': (tx) => tx`select public.delete_contact(${contactId})`,
	'forget a contact': (tx) => tx`select public.forget_contact(${contactId})`,
	'search contacts': (tx) => tx`select * from public.search_contacts(${w.a}, 'ada')`,
	'delete the workspace': (tx) => tx`select public.delete_organization(${w.a}, 'api-a')`
};

type Row = Record<RoleName, string>;
const row = (owner: string, admin: string, operator: string, viewer: string, other: string, non: string, anon: string): Row => ({
	owner,
	admin,
	operator,
	viewer,
	other_member: other,
	non_member: non,
	anon
});
const ownersOnly = row('ok', 'WS001', 'WS001', 'WS001', 'WS001', 'WS001', '42501');
const admins = row('ok', 'ok', 'WS001', 'WS001', 'WS001', 'WS001', '42501');
const operators = row('ok', 'ok', 'ok', 'WS001', 'WS001', 'WS001', '42501');
const members = row('ok', 'ok', 'ok', 'ok', 'WS001', 'WS001', '42501');
/** Non-members are told the contact does not exist (WS018), not that it exists elsewhere. */
const contactOperators = row('ok', 'ok', 'ok', 'WS001', 'WS018', 'WS018', '42501');
/** Forgetting a contact (deleting it) is for admins and up. */
const contactAdmins = row('ok', 'ok', 'WS001', 'WS001', 'WS018', 'WS018', '42501');

const expected: Record<string, Row> = {
	'list members': members,
	'rename the workspace': admins,
	'set quiet hours and the contact cap': admins,
	'raise the monthly spend cap': ownersOnly,
	'invite a viewer': admins,
	// An admin cannot hand out a role above their own.
	'invite an owner': row('ok', 'WS008', 'WS001', 'WS001', 'WS001', 'WS001', '42501'),
	'make the viewer an operator': admins,
	// Only owners touch owners; the owner demoting themselves is the last owner (WS006).
	'demote the owner': row('WS006', 'WS001', 'WS001', 'WS001', 'WS001', 'WS001', '42501'),
	// The operator removing themselves is leaving, which anyone may do.
	'remove the operator': row('ok', 'ok', 'ok', 'WS001', 'WS001', 'WS001', '42501'),
	'add a contact': operators,
	'edit a contact': contactOperators,
	'delete a contact': contactAdmins,
	'forget a contact': contactAdmins,
	// RLS decides what search returns; nobody is refused, non-members simply find nothing.
	'search contacts': row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', '42501'),
	'delete the workspace': ownersOnly
};

describe('the workspace API, role by role', () => {
	it.each(Object.keys(calls))('%s', async (name) => {
		const actual = {} as Row;
		for (const role of ROLE_NAMES) actual[role] = await outcome(role, calls[name]);
		expect(actual).toEqual(expected[name]);
	});

	it("search finds nothing for a non-member, the contact for a viewer — by name, by a full number's hash, by last four", async () => {
		// A full number in any format reaches SQL as the hash of its E.164 form (Node normalises it).
		const find = (role: RoleName, q: string, hash: string | null = null) =>
			tryAsRole(t, w, role, async (tx) =>
				(await tx`select name from public.search_contacts(${w.a}, ${q}, p_phone_hash => ${hash})`).map((r) => r.name));
		expect(await find('non_member', 'ada')).toEqual([]);
		expect(await find('non_member', '(415) 555-8001', phoneHash('+14155558001'))).toEqual([]);
		for (const q of ['ADA', '8001']) expect(await find('viewer', q)).toEqual(['Ada Contact']);
		for (const q of ['(415) 555-8001', '+1 415 555 8001']) expect(await find('viewer', q, phoneHash('+14155558001'))).toEqual(['Ada Contact']);
		expect(await find('viewer', '(415) 555-8009', phoneHash('+14155558009'))).toEqual([]);
		expect(await find('viewer', '9999')).toEqual([]);
	});
});

describe('nobody promotes themselves', () => {
	it.each([
		['viewer', 'operator', 'WS001'],
		['operator', 'admin', 'WS001'],
		['admin', 'owner', 'WS008']
	] as const)('a %s asking for %s gets %s', async (role, wanted, code) => {
		const me = w.people[role];
		expect(await outcome(role, (tx) => tx`select public.set_member_role(${w.a}, ${me.id}, ${wanted})`)).toBe(code);
		expect(await outcome(role, (tx) => tx`select * from public.create_organization_invitation(${w.a}, ${me.email}, ${wanted})`)).toBe(
			role === 'admin' ? 'WS008' : 'WS001'
		);
	});

	it('an admin cannot remove or re-role an owner, but may demote themselves', async () => {
		expect(await outcome('admin', (tx) => tx`select public.remove_member(${w.a}, ${w.people.owner.id})`)).toBe('WS001');
		expect(await outcome('admin', (tx) => tx`select public.set_member_role(${w.a}, ${w.people.admin.id}, 'viewer')`)).toBe('ok');
	});
});

describe('the last owner', () => {
	it('cannot leave or be demoted; after a transfer the old owner is an admin and may leave', async () => {
		const owner = await createPerson(t.sql, 'solo');
		const heir = await createPerson(t.sql, 'heir');
		const org = await asPerson(t, owner, async (tx) => (await tx`select public.create_organization('Solo', 'solo-ws') as id`)[0].id);
		await t.sql`select public.add_organization_member(${org}, ${heir.id}, 'viewer')`;
		const code = async (fn: (tx: TransactionSql) => Promise<unknown>) => {
			try {
				await asPerson(t, owner, fn);
				return 'ok';
			} catch (error) {
				return (error as postgres.PostgresError).code;
			}
		};
		expect(await code((tx) => tx`select public.remove_member(${org}, ${owner.id})`)).toBe('WS006');
		expect(await code((tx) => tx`select public.set_member_role(${org}, ${owner.id}, 'admin')`)).toBe('WS006');
		expect(await code((tx) => tx`select public.transfer_ownership(${org}, ${heir.id})`)).toBe('ok');
		const roles = await t.sql`select user_id, role from public.organization_members where organization_id = ${org} order by role desc`;
		expect(roles).toEqual([
			{ user_id: heir.id, role: 'owner' },
			{ user_id: owner.id, role: 'admin' }
		]);
		expect(await code((tx) => tx`select public.remove_member(${org}, ${owner.id})`)).toBe('ok');
	});

	it('two owners demoting each other at once: one wins, the workspace keeps an owner', async () => {
		const a = await createPerson(t.sql, 'twin-a');
		const b = await createPerson(t.sql, 'twin-b');
		const org = await asPerson(t, a, async (tx) => (await tx`select public.create_organization('Twins', 'twins-ws') as id`)[0].id);
		await t.sql`select public.add_organization_member(${org}, ${b.id}, 'owner')`;
		const results = await Promise.allSettled([
			asPerson(t, a, (tx) => tx`select public.set_member_role(${org}, ${a.id}, 'admin')`),
			asPerson(t, b, (tx) => tx`select public.set_member_role(${org}, ${b.id}, 'admin')`)
		]);
		expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
		const [{ n }] = await t.sql`select count(*)::int as n from public.organization_members where organization_id = ${org} and role = 'owner'`;
		expect(n).toBe(1);
	});
});

describe('invitations', () => {
	async function invite(email: string, role = 'operator'): Promise<string> {
		const [row] = await asPerson(t, w.people.owner, (tx) => tx`select token from public.create_organization_invitation(${w.a}, ${email}, ${role})`);
		expect(row.token).toMatch(/^[0-9a-f]{64}$/);
		return row.token;
	}
	const accept = async (person: Person, token: string) => {
		try {
			const [row] = await asPerson(t, person, (tx) => tx`select * from public.accept_organization_invitation(${token})`);
			return row;
		} catch (error) {
			return (error as postgres.PostgresError).code;
		}
	};

	it('is accepted once by the invited address (any case), giving the invited role', async () => {
		const id = await createUser(t.sql, { email: 'Invitee.One@Example.com' });
		const invitee: Person = { id, email: 'Invitee.One@Example.com', phone: '' };
		const token = await invite('invitee.one@example.com');
		const [preview] = await asPerson(t, invitee, (tx) => tx`select * from public.invitation_preview(${token})`);
		expect(preview).toMatchObject({ organization_slug: 'api-a', role: 'operator', state: 'open', email_matches: true });
		expect(await accept(invitee, token)).toEqual({ organization_id: w.a, organization_slug: 'api-a', role: 'operator' });
		expect(await accept(invitee, token)).toBe('WS014');
		const [m] = await t.sql`select role from public.organization_members where organization_id = ${w.a} and user_id = ${id}`;
		expect(m.role).toBe('operator');
		const [{ accepted_by }] = await t.sql`select accepted_by from public.organization_invitations where email = 'invitee.one@example.com'`;
		expect(accepted_by).toBe(id);
	});

	it('refuses another signed-in account (the e-mail must match), and leaves the invitation open', async () => {
		const token = await invite('someone-else@example.com');
		expect(await accept(w.people.non_member, token)).toBe('WS015');
		const [preview] = await asPerson(t, w.people.non_member, (tx) => tx`select state, email_matches from public.invitation_preview(${token})`);
		expect(preview).toEqual({ state: 'open', email_matches: false });
	});

	it('refuses an expired invitation (older than 7 days)', async () => {
		const person = await createPerson(t.sql, 'late');
		const token = await invite(person.email);
		const [{ days }] = await t.sql`select extract(day from expires_at - created_at)::int as days
			from public.organization_invitations where email = ${person.email.toLowerCase()}`;
		expect(days).toBe(7);
		await t.sql`update public.organization_invitations set expires_at = now() - interval '1 second' where email = ${person.email.toLowerCase()}`;
		expect(await accept(person, token)).toBe('WS012');
	});

	it('refuses a revoked invitation, and one superseded by a newer invitation', async () => {
		const person = await createPerson(t.sql, 'revoked');
		const token = await invite(person.email);
		const [inv] = await t.sql`select id from public.organization_invitations where email = ${person.email.toLowerCase()} and revoked_at is null`;
		expect(await outcome('operator', (tx) => tx`select public.revoke_organization_invitation(${inv.id})`)).toBe('WS001');
		expect(await outcome('other_member', (tx) => tx`select public.revoke_organization_invitation(${inv.id})`)).toBe('WS001');
		await asPerson(t, w.people.admin, (tx) => tx`select public.revoke_organization_invitation(${inv.id})`);
		expect(await accept(person, token)).toBe('WS013');

		const first = await invite(person.email, 'viewer');
		const second = await invite(person.email, 'viewer');
		expect(await accept(person, first)).toBe('WS013');
		expect(await accept(person, second)).toMatchObject({ role: 'viewer' });
	});

	it('refuses an unknown token and a member already in the workspace', async () => {
		expect(await accept(w.people.viewer, 'f'.repeat(64))).toBe('WS011');
		expect(await outcome('owner', (tx) => tx`select * from public.create_organization_invitation(${w.a}, ${w.people.viewer.email}, 'admin')`)).toBe(
			'WS010'
		);
		expect(await outcome('owner', (tx) => tx`select * from public.create_organization_invitation(${w.a}, 'not-an-email', 'viewer')`)).toBe('WS009');
	});
});

describe('settings and contacts: bad input gets a named error and writes nothing', () => {
	it.each([
		[{ colour: 'blue' }, 'WS005'],
		[{ slug: 'Bad Slug' }, 'WS002'],
		[{ slug: 'api-b' }, 'WS003'],
		[{ name: '' }, 'WS004'],
		[{ default_time_zone: 'Mars/Olympus' }, 'WS005'],
		[{ quiet_hours_start: '25:00', quiet_hours_end: '07:00' }, 'WS005'],
		[{ quiet_hours_start: '22:00' }, 'WS005'],
		[{ contact_daily_limit: 51 }, 'WS005'],
		[{ from_number: '555-0100' }, 'WS005']
	])('%j → %s', async (settings, code) => {
		expect(await outcome('owner', (tx) => tx`select public.update_organization_settings(${w.a}, ${tx.json(settings)})`)).toBe(code);
	});

	it('upsert_contact updates by external id, and names the problem with a bad contact', async () => {
		const up = (contact: Record<string, unknown>) =>
			asPerson(t, w.people.operator, async (tx) => (await tx`select (public.upsert_contact(${w.a}, ${tx.json(contact as never)})).*`)[0]);
		const first = await up({ external_id: 'crm-7', name: 'Grace', ...phoneColumns('+14155558010'), tags: ['vip'] });
		const second = await up({ external_id: 'crm-7', name: 'Grace Hopper', time_zone: 'Asia/Tokyo' });
		expect(second).toMatchObject({ id: first.id, name: 'Grace Hopper', phone_hash: phoneHash('+14155558010'), tags: ['vip'], time_zone: 'Asia/Tokyo', phone_last4: '8010', calling_code: '1' });
		expect(openPhone(second.phone_enc)).toBe('+14155558010');
		for (const [contact, message] of [
			// A clear number is no contact field any more; one where the ciphertext belongs is no sealed value.
			[{ name: 'X', phone_number: '+14155558011' }, /not a contact field/],
			[{ name: 'X', ...phoneColumns('+14155558011'), phone_enc: '+14155558011' }, /not a sealed value/],
			[{ name: 'X', phone_hash: phoneHash('+14155558011') }, /together/],
			[{ name: 'X', ...phoneColumns('+14155558010') }, /phone number/],
			[{ name: 'X', ...phoneColumns('+14155558012'), time_zone: 'Nowhere' }, /time zone/],
			[{ name: '', ...phoneColumns('+14155558013') }, /name/],
			[{ name: 'X', ...phoneColumns('+14155558014'), owner: 'me' }, /not a contact field/]
		] as const) {
			const error = await up(contact).then(() => null, (e: Error) => e);
			expect(error).toMatchObject({ code: 'WS020', message: expect.stringMatching(message) });
			expect(error!.message).not.toContain('4155558');
		}
	});
});
