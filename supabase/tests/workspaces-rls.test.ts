/**
 * Workspace tables: every table × select / insert / update / delete × role, as PostgREST would
 * run it (`authenticated` with claims, or `anon`). One matrix: each cell is what the role gets
 * when it tries the operation on workspace A's rows — 'rows' (sees them) / 'ok' (the write
 * happened), 'none' (no error, nothing seen or changed), or 'denied' (permission denied).
 * Writes are rolled back after each try, so every cell starts from the same rows.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson } from './fixtures.ts';
import { ROLE_NAMES, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';
import { phoneColumns, sealedPhone } from '@sms/db/testing';

/** The four sealed columns as SQL literals, for the raw statements below (base64url: no quotes inside). */
function sealedValues(e164: string): string {
	const p = sealedPhone(e164);
	return `'${p.enc}', '${p.hash}', '${p.last4}', '${p.calling_code}'`;
}

type Outcome = 'rows' | 'ok' | 'none' | 'denied';
type Op = 'select' | 'insert' | 'update' | 'delete';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'rls');
	await t.sql`insert into public.contacts ${t.sql([
		{ organization_id: w.a, name: 'Ada Contact', ...phoneColumns('+14155557001') },
		{ organization_id: w.b, name: 'Bea Contact', ...phoneColumns('+14155557002') }
	])}`;
	for (const [org, owner] of [[w.a, w.people.owner], [w.b, w.people.other_member]] as const) {
		await asPerson(t, owner, (tx) => tx`select public.create_organization_invitation(${org}, 'invitee@example.com', 'viewer')`);
	}
});

afterAll(async () => {
	await t?.close();
});

/** The statement each operation runs against workspace A (ids bound as $1 = A, $2 = caller). */
const statements: Record<string, Record<Op, string>> = {
	organizations: {
		select: 'select id from public.organizations where id = $1',
		insert: "insert into public.organizations (slug, name) values ('sneaky-org', 'Sneaky')",
		update: "update public.organizations set name = 'Renamed', contact_daily_limit = 50 where id = $1",
		delete: 'delete from public.organizations where id = $1'
	},
	organization_members: {
		select: 'select user_id from public.organization_members where organization_id = $1',
		// Joining (or promoting oneself) by hand.
		insert: "insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')",
		update: "update public.organization_members set role = 'owner' where organization_id = $1",
		delete: 'delete from public.organization_members where organization_id = $1'
	},
	organization_invitations: {
		select: 'select id, email, role from public.organization_invitations where organization_id = $1',
		insert: `insert into public.organization_invitations (organization_id, email, role, token_hash)
			values ($1, 'me@example.com', 'owner', repeat('a', 64))`,
		update: "update public.organization_invitations set role = 'owner', expires_at = now() + interval '1 year' where organization_id = $1",
		delete: 'delete from public.organization_invitations where organization_id = $1'
	},
	contacts: {
		select: 'select id from public.contacts where organization_id = $1',
		insert: `insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values ($1, 'New Contact', ${sealedValues('+14155557099')})`,
		update: "update public.contacts set name = 'Changed' where organization_id = $1",
		delete: 'delete from public.contacts where organization_id = $1'
	},
	audit_log: {
		select: 'select id from public.audit_log where organization_id = $1',
		insert: "insert into public.audit_log (organization_id, action) values ($1, 'forged.entry')",
		update: "update public.audit_log set action = 'tampered.entry' where organization_id = $1",
		delete: 'delete from public.audit_log where organization_id = $1'
	}
};

type Row = Record<RoleName, Outcome>;
const row = (owner: Outcome, admin: Outcome, operator: Outcome, viewer: Outcome, other: Outcome, non: Outcome, anon: Outcome): Row => ({
	owner,
	admin,
	operator,
	viewer,
	other_member: other,
	non_member: non,
	anon
});
const allDenied = row('denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied');
const membersRead = row('rows', 'rows', 'rows', 'rows', 'none', 'none', 'denied');
const adminsRead = row('rows', 'rows', 'none', 'none', 'none', 'none', 'denied');
const operatorsWrite = row('ok', 'ok', 'ok', 'none', 'none', 'none', 'denied');

/** What each role may do: the whole policy of the workspace tables, in one place. */
const expected: Record<string, Record<Op, Row>> = {
	// Written only through the SQL API (create_organization, update_organization_settings, ...).
	organizations: { select: membersRead, insert: allDenied, update: allDenied, delete: allDenied },
	organization_members: { select: membersRead, insert: allDenied, update: allDenied, delete: allDenied },
	organization_invitations: { select: adminsRead, insert: allDenied, update: allDenied, delete: allDenied },
	contacts: {
		select: membersRead,
		insert: row('ok', 'ok', 'ok', 'denied', 'denied', 'denied', 'denied'),
		update: operatorsWrite,
		// Only through forget_contact (admins and up), which keeps the texts redacted.
		delete: allDenied
	},
	audit_log: { select: adminsRead, insert: allDenied, update: allDenied, delete: allDenied }
};

async function attempt(role: RoleName, table: string, op: Op): Promise<Outcome> {
	const caller = role === 'anon' ? w.people.non_member.id : w.people[role].id;
	const query = statements[table][op];
	const params = query.includes('$2') ? [w.a, caller] : query.includes('$1') ? [w.a] : [];
	try {
		const result = await tryAsRole(t, w, role, (tx: TransactionSql) => tx.unsafe(query, params));
		if (op === 'select') return result.length > 0 ? 'rows' : 'none';
		return result.count > 0 ? 'ok' : 'none';
	} catch (error) {
		if (error instanceof postgres.PostgresError && error.code === '42501') return 'denied';
		throw error;
	}
}

describe.each(Object.keys(statements))('%s', (table) => {
	it.each(['select', 'insert', 'update', 'delete'] as Op[])('%s: exactly what each role is allowed', async (op) => {
		const actual = {} as Row;
		for (const role of ROLE_NAMES) actual[role] = await attempt(role, table, op);
		expect(actual).toEqual(expected[table][op]);
	});
});

describe('the two forms of the role question agree', () => {
	it('org_ids_with_role (used by the row-heavy tables) contains A exactly when has_org_role(A) is true, for every role and level', async () => {
		const levels = ['viewer', 'operator', 'admin', 'owner'];
		for (const role of ROLE_NAMES.filter((r) => r !== 'anon')) {
			const answers = await tryAsRole(t, w, role, async (tx) => {
				const out: Record<string, [boolean, boolean]> = {};
				for (const level of levels) {
					const [r] = await tx`select public.has_org_role(${w.a}, ${level}) as one,
						${w.a}::uuid = any (public.org_ids_with_role(${level})) as set_based`;
					out[level] = [r.one, r.set_based];
				}
				return out;
			});
			for (const level of levels) expect({ role, level, answers: answers[level] }).toEqual({ role, level, answers: [answers[level][0], answers[level][0]] });
			// And the answer is the expected one: a member holds every level up to their own role.
			const held = ['owner', 'admin', 'operator', 'viewer'].includes(role) ? levels.slice(0, levels.indexOf(role) + 1) : [];
			expect(levels.filter((level) => answers[level][0])).toEqual(held);
		}
	});
});

describe('across workspaces', () => {
	it("a member of B sees B's rows — and none of A's (so the 'none' cells above are not vacuous)", async () => {
		const seen = await tryAsRole(t, w, 'other_member', async (tx) => ({
			own: (await tx`select count(*)::int as n from public.contacts where organization_id = ${w.b}`)[0].n,
			all: (await tx`select distinct organization_id from public.contacts`).map((r) => r.organization_id),
			orgs: (await tx`select id from public.organizations`).map((r) => r.id),
			invitations: (await tx`select distinct organization_id from public.organization_invitations`).map((r) => r.organization_id)
		}));
		expect(seen).toEqual({ own: 1, all: [w.b], orgs: [w.b], invitations: [w.b] });
	});

	it("A's operator cannot add, edit or delete B's contacts, nor move a contact into B", async () => {
		const outcome = await tryAsRole(t, w, 'operator', async (tx) => {
			const updated = await tx`update public.contacts set name = 'x' where organization_id = ${w.b}`;
			return { updated: updated.count };
		});
		expect(outcome).toEqual({ updated: 0 });
		const [b] = await t.sql`select id from public.contacts where organization_id = ${w.b} limit 1`;
		if (b) await expect(tryAsRole(t, w, 'operator', (tx) => tx`select public.forget_contact(${b.id})`)).rejects.toMatchObject({ code: 'WS018' });
		for (const query of [
			`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values ('${w.b}', 'x', ${sealedValues('+14155557098')})`,
			`update public.contacts set organization_id = '${w.b}' where organization_id = '${w.a}'`
		]) {
			await expect(tryAsRole(t, w, 'operator', (tx) => tx.unsafe(query))).rejects.toMatchObject({ code: '42501' });
		}
	});

	it("texts and their events: A's members read A's, nobody else does (the recipient user still reads their own)", async () => {
		const [c] = await t.sql`select id from public.contacts where organization_id = ${w.a}`;
		const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'to a contact',
			p_organization_id => ${w.a}::uuid, p_contact_id => ${c.id}::uuid) as id`;
		await t.sql`select public.mark_sms_suppressed(${id}, 'test')`;
		const seen: Record<string, [number, number]> = {};
		for (const role of ROLE_NAMES.filter((r) => r !== 'anon')) {
			seen[role] = await tryAsRole(t, w, role, async (tx) => [
				(await tx`select id from public.sms_messages where id = ${id}`).length,
				(await tx`select id from public.sms_delivery_events where message_id = ${id}`).length
			]);
		}
		expect(seen).toEqual({ owner: [1, 1], admin: [1, 1], operator: [1, 1], viewer: [1, 1], other_member: [0, 0], non_member: [0, 0] });
	});

	it("an event's workspace is its message's, and no role can rewrite it (the members' policy reads that column)", async () => {
		const [c] = await t.sql`select id from public.contacts where organization_id = ${w.a}`;
		const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'workspace of an event',
			p_organization_id => ${w.a}::uuid, p_contact_id => ${c.id}::uuid) as id`;
		await t.sql`select public.mark_sms_suppressed(${id}, 'test')`;
		const events = await t.sql<{ organization_id: string }[]>`select organization_id from public.sms_delivery_events where message_id = ${id}`;
		expect(events.length).toBeGreaterThan(0);
		expect(events.every((e) => e.organization_id === w.a)).toBe(true);
		await expect(
			t.db.asService((tx) => tx`update public.sms_delivery_events set organization_id = ${w.b} where message_id = ${id}`)
		).rejects.toMatchObject({ code: '42501' });
	});

	it('nobody reads an invitation token hash, not even the owner', async () => {
		await expect(
			tryAsRole(t, w, 'owner', (tx) => tx`select token_hash from public.organization_invitations`)
		).rejects.toMatchObject({ code: '42501' });
	});

	it('an operator cannot link a contact to a user account by hand', async () => {
		await expect(
			tryAsRole(t, w, 'operator', (tx) => tx`update public.contacts set user_id = ${w.people.operator.id} where organization_id = ${w.a}`)
		).rejects.toMatchObject({ code: '42501' });
	});
});
