/**
 * Providers in the database: every text's (provider, reference), unique per provider; the
 * per-workspace provider configuration (who reads it, who changes it, secrets nobody reads,
 * audit, validation); rejected-callback counting; which secrets a callback is checked against.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { nextSid, sqlError, sqlState } from './fixtures.ts';
import { ROLE_NAMES, asRole, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'prov');
	await asRole(t, w, 'admin', async (tx) => {
		await tx`select public.set_workspace_provider(${w.a}, 'sms-retail', ${tx.json({ base_url: 'https://api.sms-retail.example/', sender: 'ACME', countries: ['de', 'FR'] })})`;
		await tx`select public.set_workspace_provider_secrets(${w.a}, 'sms-retail', 'sk_live_abcd1234', 'whsec-a')`;
	});
});

afterAll(async () => {
	await t?.close();
});

/** A text queued in workspace A, to its owner. */
async function queueInA(body = 'Hello'): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`
		select public.queue_sms_message(${w.people.owner.id}, null, ${body}, p_organization_id => ${w.a}) as id`;
	return row!.id;
}

describe('provider references', () => {
	it("mirrors Twilio's SID into (provider, provider_reference)", async () => {
		const sid = nextSid();
		const id = await queueInA();
		await t.sql`select public.mark_sms_dispatching(${id})`;
		await t.sql`select public.attach_sms_sid(${id}, ${sid}, 'queued', 1, 'GSM-7')`;
		const [row] = await t.sql`select provider, provider_reference from public.sms_messages where id = ${id}`;
		expect(row).toEqual({ provider: 'twilio', provider_reference: sid });
		const [event] = await t.sql`select provider, provider_reference from public.sms_delivery_events where message_id = ${id} and source = 'api'`;
		expect(event).toEqual({ provider: 'twilio', provider_reference: sid });
	});

	it('allows the same reference at two providers, never twice at one', async () => {
		const a = { id: await queueInA('one') };
		const b = { id: await queueInA('two') };
		const c = { id: await queueInA('three') };
		await t.sql`update public.sms_messages set provider = 'sms-retail', provider_reference = '100001' where id = ${a.id}`;
		await t.sql`update public.sms_messages set provider = '23telecom', provider_reference = '100001' where id = ${b.id}`;
		expect(await sqlState(() => t.sql`update public.sms_messages set provider = 'sms-retail', provider_reference = '100001' where id = ${c.id}`)).toBe('23505');
	});

	it('refuses a Twilio SID on a text another provider carried', async () => {
		const row = { id: await queueInA('x') };
		await t.sql`update public.sms_messages set provider = '23telecom', provider_reference = 'uuid-1' where id = ${row.id}`;
		const error = await sqlError(() => t.sql`update public.sms_messages set twilio_sid = ${nextSid()} where id = ${row.id}`);
		expect(error.message).toMatch(/^sid_conflict/);
	});

	it('refuses an unknown provider', async () => {
		const row = { id: await queueInA('y') };
		expect(await sqlState(() => t.sql`update public.sms_messages set provider = 'carrier-pigeon' where id = ${row.id}`)).toBe('23514');
	});
});

describe('workspace provider configuration', () => {
	const expected: Record<RoleName, { read: number; write: 'ok' | 'WS001' | '42501' }> = {
		owner: { read: 1, write: 'ok' },
		admin: { read: 1, write: 'ok' },
		operator: { read: 1, write: 'WS001' },
		viewer: { read: 1, write: 'WS001' },
		other_member: { read: 0, write: 'WS001' },
		non_member: { read: 0, write: 'WS001' },
		anon: { read: 0, write: '42501' }
	};

	it.each(ROLE_NAMES)('%s: reads and changes what its role allows', async (role) => {
		const read = await tryAsRole(t, w, role, async (tx) => {
			try {
				return (await tx`select provider, base_url from public.workspace_providers where organization_id = ${w.a}`).length;
			} catch {
				return 0;
			}
		});
		expect(read).toBe(expected[role].read);
		const write = await tryAsRole(t, w, role, async (tx) => {
			try {
				await tx`select public.set_workspace_provider(${w.a}, '23telecom', ${tx.json({ base_url: 'https://api.23telecom.example' })})`;
				return 'ok';
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(write).toBe(expected[role].write);
	});

	it.each(ROLE_NAMES)('%s: cannot read API keys or webhook secrets, nor write the tables directly', async (role) => {
		const code = await tryAsRole(t, w, role, async (tx) => {
			try {
				await tx`select api_key from public.workspace_provider_secrets`;
				return 'read';
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(code).toBe('42501');
		const insert = await tryAsRole(t, w, role, async (tx) => {
			try {
				await tx`insert into public.workspace_providers (organization_id, provider, position) values (${w.a}, 'twilio', 9)`;
				return 'inserted';
			} catch (error) {
				return (error as { code: string }).code;
			}
		});
		expect(insert).toBe('42501');
	});

	it('shows members only the last 4 characters of the key and whether a secret is set', async () => {
		const [row] = await asRole(t, w, 'viewer', (tx) => tx`select * from public.workspace_providers where organization_id = ${w.a} and provider = 'sms-retail'`);
		expect(row).toMatchObject({ api_key_last4: '1234', webhook_secret_set: true, base_url: 'https://api.sms-retail.example', countries: ['DE', 'FR'], position: 1 });
		expect(JSON.stringify(row)).not.toContain('sk_live');
		expect(JSON.stringify(row)).not.toContain('whsec');
	});

	it('audits changes without the secret values', async () => {
		const rows = await t.sql<{ action: string; after: Record<string, unknown> | null }[]>`
			select action, after from public.audit_log where organization_id = ${w.a} and target_type = 'provider' order by id`;
		expect(rows.map((r) => r.action)).toEqual(['provider.created', 'provider.updated']);
		expect(JSON.stringify(rows)).not.toContain('sk_live');
		expect(JSON.stringify(rows)).not.toContain('whsec');
		expect(rows[1]?.after).toMatchObject({ api_key_last4: '1234', webhook_secret_set: true });
	});

	it.each([
		[{ base_url: 'http://api.example.com' }, /invalid_setting/],
		[{ base_url: 'https://user:pw@api.example.com' }, /invalid_setting/],
		[{ base_url: 'javascript:alert(1)' }, /invalid_setting/],
		[{ base_url: 'https://api.example.com/?q=1' }, /invalid_setting/],
		[{ countries: ['Germany'] }, /invalid_setting/],
		[{ sender: 'x'.repeat(21) }, /invalid_setting/],
		[{ position: 0 }, /invalid_setting/],
		[{ position: 1, base_url: 'https://x.example' }, /position 1 is already taken/],
		[{ api_key: 'sneak' }, /api_key is not a provider setting/],
		[{}, /needs a base URL/]
	])('refuses %j with a message', async (settings, message) => {
		const error = await tryAsRole(t, w, 'admin', async (tx) =>
			sqlError(() => tx`select public.set_workspace_provider(${w.a}, '23telecom', ${tx.json(settings)})`)
		);
		expect(error.code).toBe('WS005');
		expect(error.message).toMatch(message);
	});

	it('accepts loopback http for local mode and the sandbox', async () => {
		const row = await tryAsRole(t, w, 'admin', async (tx) => {
			const [r] = await tx`select (public.set_workspace_provider(${w.a}, '23telecom', ${tx.json({ base_url: 'http://127.0.0.1:4010/23telecom' })})).*`;
			return r;
		});
		expect(row).toMatchObject({ base_url: 'http://127.0.0.1:4010/23telecom', position: 2 });
	});

	it('an admin of one workspace cannot configure another', async () => {
		const code = await tryAsRole(t, w, 'admin', (tx) =>
			sqlState(() => tx`select public.set_workspace_provider_secrets(${w.b}, 'sms-retail', 'k', 's')`)
		);
		expect(code).toBe('WS001');
	});
});

describe('webhook secrets and rejected callbacks', () => {
	it("checks a known reference against its workspace's secret only, an unknown one against all", async () => {
		await asRole(t, w, 'other_member', async (tx) => {
			await tx`select public.set_workspace_provider(${w.b}, 'sms-retail', ${tx.json({ base_url: 'https://b.example' })})`;
			await tx`select public.set_workspace_provider_secrets(${w.b}, 'sms-retail', 'kb', 'whsec-b')`;
		});
		const m = { id: await queueInA('z') };
		await t.sql`update public.sms_messages set provider = 'sms-retail', provider_reference = '555' where id = ${m.id}`;
		const secrets = (ref: string) =>
			t.db.asService(async (tx) => (await tx<{ s: string[] }[]>`select public.provider_webhook_secrets('sms-retail', ${ref}) as s`)[0]!.s);
		expect(await secrets('555')).toEqual(['whsec-a']);
		expect((await secrets('unknown')).sort()).toEqual(['whsec-a', 'whsec-b']);
		expect(await t.db.asService(async (tx) => (await tx`select public.provider_webhook_secrets('23telecom', 'x') as s`)[0]!.s)).toEqual([]);
	});

	it('counts rejections per provider and reason and keeps a row without the body', async () => {
		await t.db.asService(async (tx) => {
			await tx`select public.record_webhook_rejection('sms-retail', 'bad_signature', '555', '203.0.113.9')`;
			await tx`select public.record_webhook_rejection('sms-retail', 'bad_signature', null, null)`;
			await tx`select public.record_webhook_rejection('23telecom', 'stale_timestamp', 'abc', null)`;
		});
		const counts = await t.sql`select provider, reason, count::int from public.sms_webhook_rejection_counts order by provider`;
		expect(counts).toEqual([
			{ provider: '23telecom', reason: 'stale_timestamp', count: 1 },
			{ provider: 'sms-retail', reason: 'bad_signature', count: 2 }
		]);
		expect(await t.sql`select reference, host(sender_ip) as ip from public.sms_webhook_rejections where provider = 'sms-retail' order by id`).toEqual([
			{ reference: '555', ip: '203.0.113.9' },
			{ reference: null, ip: null }
		]);
	});

	it('members cannot record rejections or read webhook secrets', async () => {
		for (const role of ['owner', 'viewer'] as const) {
			expect(await tryAsRole(t, w, role, (tx) => sqlState(() => tx`select public.record_webhook_rejection('sms-retail', 'x')`))).toBe('42501');
			expect(await tryAsRole(t, w, role, (tx) => sqlState(() => tx`select public.provider_webhook_secrets('sms-retail', '1')`))).toBe('42501');
		}
	});
});
