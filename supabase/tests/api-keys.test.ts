import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPerson, createPerson, sqlError, sqlState, type Person } from './fixtures.ts';

const ROLES = ['owner', 'admin', 'operator', 'viewer'] as const;
let t: TestDatabase;
let org: string;
let otherOrg: string;
const people = {} as Record<(typeof ROLES)[number] | 'outsider', Person>;
let keyId: string;
let messageId: string;

const newKey = () => {
	const visible = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
	const secret = `sk_live_${visible}_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'y').slice(0, 32)}`;
	return { prefix: `sk_live_${visible}`, hash: createHash('sha256').update(secret).digest('hex') };
};
const create = (p: Person, orgId: string, scopes = ['messages:write']) => {
	const k = newKey();
	return asPerson(t, p, (tx) => tx<{ id: string }[]>`
		select id from public.create_api_key(${orgId}::uuid, 'ci', ${scopes}::text[], ${k.prefix}, ${k.hash}, 50)`);
};

beforeAll(async () => {
	t = await createTestDatabase();
	[{ id: org }] = await t.sql`insert into public.organizations (slug, name) values ('keys-co', 'Keys') returning id`;
	[{ id: otherOrg }] = await t.sql`insert into public.organizations (slug, name) values ('other-co', 'Other') returning id`;
	for (const role of ROLES) {
		people[role] = await createPerson(t.sql, role);
		await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${people[role].id}, ${role})`;
	}
	people.outsider = await createPerson(t.sql, 'outsider');
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${otherOrg}, ${people.outsider.id}, 'owner')`;
	[{ id: keyId }] = await create(people.admin, org);
	[{ id: messageId }] = await t.sql`select public.queue_sms_message(${people.viewer.id}, null, 'hi', p_organization_id => ${org}) as id`;
	await t.sql`insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata) values (${messageId}, ${org}, ${keyId}, '{"eventId":"e1"}')`;
	await t.sql`select public.api_idempotency_save(${org}, ${keyId}, 'k1', 'f', 202, '{}')`;
});
afterAll(async () => t?.close());

describe('api_keys', () => {
	it.each([
		['owner', 1],
		['admin', 1],
		['operator', 0],
		['viewer', 0],
		['outsider', 0]
	] as const)('%s sees %i of the workspace keys, and never a hash', async (who, n) => {
		const rows = await asPerson(t, people[who], (tx) => tx`select id, prefix from public.api_keys where organization_id = ${org}`);
		expect(rows.length).toBe(n);
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`select secret_hash from public.api_keys`))).toBe('42501');
	});

	it('anon sees nothing', async () => {
		expect(await sqlState(() => t.db.asAnon((tx) => tx`select id from public.api_keys`))).toBe('42501');
	});

	it.each(['owner', 'admin', 'operator', 'viewer', 'outsider'] as const)('%s cannot write api_keys directly', async (who) => {
		const k = newKey();
		for (const stmt of [
			(tx: Parameters<Parameters<typeof asPerson>[2]>[0]) => tx`insert into public.api_keys (organization_id, name, prefix, secret_hash, scopes) values (${org}, 'x', ${k.prefix}, ${k.hash}, '{messages:write}')`,
			(tx: Parameters<Parameters<typeof asPerson>[2]>[0]) => tx`update public.api_keys set revoked_at = null, scopes = '{messages:write,messages:read,contacts:write}'`,
			(tx: Parameters<Parameters<typeof asPerson>[2]>[0]) => tx`delete from public.api_keys`
		]) {
			expect(await sqlState(() => asPerson(t, people[who], stmt))).toBe('42501');
		}
	});

	it('owners and admins create and revoke keys (audited); operators, viewers and outsiders cannot', async () => {
		for (const who of ['owner', 'admin'] as const) expect((await create(people[who], org)).length).toBe(1);
		for (const who of ['operator', 'viewer', 'outsider'] as const) {
			expect((await sqlError(() => create(people[who], org))).message).toMatch(/^forbidden/);
		}
		for (const who of ['operator', 'viewer', 'outsider'] as const) {
			expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`select public.revoke_api_key(${keyId})`))).toBe('AK004');
		}
		const [revoked] = await asPerson(t, people.owner, (tx) => tx<{ revoked_at: Date }[]>`select revoked_at from public.revoke_api_key(${keyId})`);
		expect(revoked.revoked_at).toBeInstanceOf(Date);
		const actions = await t.sql<{ action: string }[]>`select action from public.audit_log where target_type = 'api_key' and target_id = ${keyId} order by id`;
		expect(actions.map((a) => a.action)).toEqual(['api_key.created', 'api_key.revoked']);
		const [{ id: live }] = await create(people.admin, org);
		expect(live).toBeDefined();
	});

	it('refuses bad names, scopes and rate limits with named errors', async () => {
		const k = newKey();
		const call = (name: string, scopes: string[], rate: number) =>
			sqlState(() => asPerson(t, people.owner, (tx) => tx`select public.create_api_key(${org}::uuid, ${name}, ${scopes}::text[], ${k.prefix}, ${k.hash}, ${rate})`));
		expect(await call(' ', ['messages:write'], 50)).toBe('AK001');
		expect(await call('x', ['admin:all'], 50)).toBe('AK002');
		expect(await call('x', [], 50)).toBe('AK002');
		expect(await call('x', ['messages:write'], 0)).toBe('AK003');
	});

	it('only the service authenticates keys, and a spike of refusals is audited once', async () => {
		expect(await sqlState(() => asPerson(t, people.owner, (tx) => tx`select * from public.api_key_authenticate('x')`))).toBe('42501');
		const k = newKey();
		const [{ id }] = await asPerson(t, people.owner, (tx) => tx<{ id: string }[]>`select id from public.create_api_key(${org}::uuid, 'spiky', '{messages:write}', ${k.prefix}, ${k.hash}, 50)`);
		const [row] = await t.db.asService((tx) => tx`select * from public.api_key_authenticate(${k.hash})`);
		expect(row).toMatchObject({ key_id: id, organization_id: org, scopes: ['messages:write'] });
		for (let i = 0; i < 25; i++) await t.db.asService((tx) => tx`select public.api_key_note_failure(${k.prefix}, 'unknown_key', '203.0.113.5')`);
		const spikes = await t.sql`select after from public.audit_log where target_id = ${id} and action = 'api_key.failure_spike'`;
		expect(spikes).toHaveLength(1);
	});
});

describe('api_message_metadata and api_idempotency_keys', () => {
	it.each([...ROLES, 'outsider'] as const)('%s reads metadata only of its own workspace', async (who) => {
		const rows = await asPerson(t, people[who], (tx) => tx`select metadata from public.api_message_metadata`);
		expect(rows.length).toBe(who === 'outsider' ? 0 : 1);
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`insert into public.api_message_metadata (message_id, organization_id) values (${messageId}, ${org})`))).toBe('42501');
	});

	it.each([...ROLES, 'outsider'] as const)('%s cannot see or use idempotency keys', async (who) => {
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`select * from public.api_idempotency_keys`))).toBe('42501');
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`select * from public.api_idempotency_claim(${org}, 'k1')`))).toBe('42501');
	});

	it('anon reads nothing', async () => {
		expect(await sqlState(() => t.db.asAnon((tx) => tx`select * from public.api_message_metadata`))).toBe('42501');
	});
});

describe('webhook endpoints, deliveries and attempts', () => {
	let endpointId: string;
	beforeAll(async () => {
		[{ id: endpointId }] = await asPerson(t, people.admin, (tx) => tx<{ id: string }[]>`
			select public.create_webhook_endpoint(${org}::uuid, 'https://hooks.example.com/x', '{message.delivered}', 'whsec_dGVzdA==') as id`);
		const [d] = await t.sql<{ id: string }[]>`
			insert into public.webhook_deliveries (endpoint_id, organization_id, event_id, event_type, payload)
			values (${endpointId}, ${org}, 'evt_1', 'message.delivered', '{}') returning id`;
		await t.sql`insert into public.webhook_delivery_attempts (delivery_id, organization_id, attempt, ok) values (${d.id}, ${org}, 1, false)`;
	});

	it.each([
		['owner', 1],
		['admin', 1],
		['operator', 0],
		['viewer', 0],
		['outsider', 0]
	] as const)('%s sees %i endpoint(s) with their deliveries and attempts, and never a secret', async (who, n) => {
		for (const table of ['webhook_endpoints', 'webhook_deliveries', 'webhook_delivery_attempts']) {
			const rows = await asPerson(t, people[who], (tx) => tx.unsafe(`select id from public.${table}`));
			expect({ table, n: rows.length }).toEqual({ table, n });
		}
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`select secret from public.webhook_endpoints`))).toBe('42501');
		expect(await sqlState(() => asPerson(t, people[who], (tx) => tx`update public.webhook_endpoints set url = 'https://evil.example'`))).toBe('42501');
	});

	it('only owners and admins create endpoints; the service alone reads what to send', async () => {
		for (const who of ['operator', 'viewer', 'outsider'] as const) {
			const e = await sqlError(() => asPerson(t, people[who], (tx) => tx`select public.create_webhook_endpoint(${org}::uuid, 'https://a.example/x', '{message.sent}', 'whsec_eA==')`));
			expect(e.message).toMatch(/^forbidden/);
		}
		expect(await sqlState(() => asPerson(t, people.owner, (tx) => tx`select * from public.webhook_delivery_for_job(${endpointId})`))).toBe('42501');
		expect(await sqlState(() => t.db.asAnon((tx) => tx`select id from public.webhook_endpoints`))).toBe('42501');
	});
});
