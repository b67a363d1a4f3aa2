/**
 * The audit log: each workspace action writes one row (who, which workspace, what, the target,
 * a short before/after, the IP), and no role — users, the service role, not even the table
 * owner — can change or delete a row.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, type Person } from './fixtures.ts';
import { phoneColumns, phoneHash } from '@sms/db/testing';

let t: TestDatabase;
let owner: Person;
let org: string;

interface AuditRow {
	actor_id: string | null;
	action: string;
	target_type: string;
	target_id: string;
	before: Record<string, unknown> | null;
	after: Record<string, unknown> | null;
	ip: string | null;
}

async function newRows(since: number): Promise<AuditRow[]> {
	return t.sql<AuditRow[]>`select actor_id, action, target_type, target_id, before, after, host(ip) as ip
		from public.audit_log where id > ${since} and organization_id = ${org} order by id`;
}
async function lastId(): Promise<number> {
	const [{ id }] = await t.sql`select coalesce(max(id), 0)::int as id from public.audit_log`;
	return id;
}
/** As the person, with the client IP the web server passes (request.client_ip). */
function asOwnerFrom<T>(ip: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
	return asPerson(t, owner, async (tx) => {
		await tx`select set_config('request.client_ip', ${ip}, true)`;
		return fn(tx);
	});
}

beforeAll(async () => {
	t = await createTestDatabase();
	owner = await createPerson(t.sql, 'auditor');
	org = await asPerson(t, owner, async (tx) => (await tx`select public.create_organization('Audited', 'audited') as id`)[0].id);
});

afterAll(async () => {
	await t?.close();
});

describe('every action writes one audit row', () => {
	it('creating the workspace: organization.created and member.added, by its creator', async () => {
		const rows = await newRows(0);
		expect(rows.map((r) => [r.action, r.actor_id])).toEqual([
			['organization.created', owner.id],
			['member.added', owner.id]
		]);
		expect(rows[1]).toMatchObject({ target_type: 'member', target_id: owner.id, after: { role: 'owner' } });
	});

	it('settings: only the changed fields, before and after, with the IP', async () => {
		const since = await lastId();
		await asOwnerFrom('203.0.113.7', (tx) =>
			tx`select public.update_organization_settings(${org}, ${tx.json({ name: 'Audited Inc', contact_daily_limit: 10 })})`
		);
		expect(await newRows(since)).toEqual([
			{
				actor_id: owner.id,
				action: 'organization.updated',
				target_type: 'organization',
				target_id: org,
				before: { name: 'Audited' },
				after: { name: 'Audited Inc' },
				ip: '203.0.113.7'
			}
		]);
	});

	it('invitations (created, revoked, accepted) and members (added, role changed, removed)', async () => {
		const since = await lastId();
		const inviteeId = await createUser(t.sql, { email: 'audit-invitee@example.com' });
		const invitee: Person = { id: inviteeId, email: 'audit-invitee@example.com', phone: '' };
		const [first] = await asOwnerFrom('198.51.100.1', (tx) =>
			tx`select * from public.create_organization_invitation(${org}, ${invitee.email}, 'viewer')`
		);
		await asOwnerFrom('198.51.100.1', (tx) => tx`select public.revoke_organization_invitation(${first.invitation_id})`);
		const [second] = await asOwnerFrom('198.51.100.1', (tx) =>
			tx`select * from public.create_organization_invitation(${org}, ${invitee.email}, 'viewer')`
		);
		await asPerson(t, invitee, (tx) => tx`select * from public.accept_organization_invitation(${second.token})`);
		await asOwnerFrom('198.51.100.1', (tx) => tx`select public.set_member_role(${org}, ${inviteeId}, 'operator')`);
		await asOwnerFrom('198.51.100.1', (tx) => tx`select public.remove_member(${org}, ${inviteeId})`);

		const rows = await newRows(since);
		expect(rows.map((r) => [r.action, r.actor_id === owner.id ? 'owner' : r.actor_id === inviteeId ? 'invitee' : r.actor_id])).toEqual([
			['invitation.created', 'owner'],
			['invitation.revoked', 'owner'],
			['invitation.created', 'owner'],
			['invitation.accepted', 'invitee'],
			['member.added', 'invitee'],
			['member.role_changed', 'owner'],
			['member.removed', 'owner']
		]);
		expect(rows[5]).toMatchObject({ before: { role: 'viewer' }, after: { role: 'operator' }, target_id: inviteeId });
		// The token's hash never lands in the log.
		expect(JSON.stringify(rows)).not.toContain('token_hash');
	});

	it('contacts: created, updated, deleted — by RLS writes and by the API alike', async () => {
		const since = await lastId();
		const [c] = await asOwnerFrom('192.0.2.9', (tx) =>
			tx`insert into public.contacts ${tx({ organization_id: org, name: 'Audit Me', ...phoneColumns('+14155559001') })} returning id`
		);
		await asOwnerFrom('192.0.2.9', (tx) => tx`select public.update_contact(${c.id}, ${tx.json({ tags: ['vip'] })})`);
		await asOwnerFrom('192.0.2.9', (tx) => tx`select public.delete_contact(${c.id})`);
		const rows = await newRows(since);
		expect(rows.map((r) => [r.action, r.target_id, r.ip])).toEqual([
			['contact.created', c.id, '192.0.2.9'],
			['contact.updated', c.id, '192.0.2.9'],
			['contact.deleted', c.id, '192.0.2.9'],
			['contact.forgotten', c.id, '192.0.2.9']
		]);
		// Deleting is forgetting: the person's name and number leave every row of theirs (the
		// change itself stays recorded), and the last row says what was redacted.
		expect(rows[1]).toMatchObject({ before: { tags: '[forgotten]' }, after: { tags: '[forgotten]' } });
		expect(rows[2].before).toMatchObject({ name: '[forgotten]', phone_enc: '[forgotten]', phone_hash: '[forgotten]' });
		expect(JSON.stringify(rows)).not.toContain('4155559001');
		expect(JSON.stringify(rows)).not.toContain(phoneHash('+14155559001'));
		expect(JSON.stringify(rows)).not.toMatch(/"p1\./);
		expect(rows[3].after).toEqual({ texts_redacted: 0, texts_canceled: 0, events_redacted: 0, by: 'member' });
	});

	it('record_audit (service role) for actions that are not a row change, e.g. a retry', async () => {
		const since = await lastId();
		await t.db.asService((tx) => tx`select public.record_audit(${org}, ${owner.id}, 'message.retried', 'message', 'abc', null, null, '10.0.0.1')`);
		expect(await newRows(since)).toMatchObject([{ action: 'message.retried', actor_id: owner.id, ip: '10.0.0.1' }]);
		await expect(asPerson(t, owner, (tx) => tx`select public.record_audit(${org}, ${owner.id}, 'forged.entry')`)).rejects.toMatchObject({
			code: '42501'
		});
	});

	it('a deleted workspace keeps its history', async () => {
		const other = await asPerson(t, owner, async (tx) => (await tx`select public.create_organization('Doomed', 'doomed') as id`)[0].id);
		await asPerson(t, owner, (tx) => tx`select public.delete_organization(${other}, 'doomed')`);
		const rows = await t.sql`select action from public.audit_log where organization_id = ${other} order by id`;
		expect(rows.map((r) => r.action)).toEqual(['organization.created', 'member.added', 'organization.deleted']);
	});
});

describe('audit rows cannot be changed or deleted, by anyone', () => {
	const attempts = [
		"update public.audit_log set action = 'tampered.entry'",
		'delete from public.audit_log',
		'truncate public.audit_log'
	];

	async function code(run: () => Promise<unknown>): Promise<string> {
		try {
			await run();
			return 'ok';
		} catch (error) {
			if (error instanceof postgres.PostgresError) return error.code;
			throw error;
		}
	}

	it.each(attempts)('%s', async (statement) => {
		const before = await t.sql`select count(*)::int as n, md5(string_agg(action, ',' order by id)) as digest from public.audit_log`;
		const results = {
			owner_member: await code(() => asPerson(t, owner, (tx) => tx.unsafe(statement))),
			anon: await code(() => t.db.asAnon((tx) => tx.unsafe(statement))),
			service_role: await code(() => t.db.asService((tx) => tx.unsafe(statement))),
			// The table owner has every privilege; the trigger still refuses.
			table_owner: await code(() => t.sql.begin((tx) => tx.unsafe(statement)))
		};
		expect(results).toEqual({ owner_member: '42501', anon: '42501', service_role: '42501', table_owner: 'WS022' });
		const after = await t.sql`select count(*)::int as n, md5(string_agg(action, ',' order by id)) as digest from public.audit_log`;
		expect(after).toEqual(before);
	});
});
