import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPerson, createPerson, openPhone, phoneValues, sealedPhoneText, type Person } from './fixtures.ts';

// contact.opted_out / contact.opted_in: a STOP or START on a number reaches the workspaces that
// have it as a contact and want the event; once per change, each with a deliver_webhook job.
let t: TestDatabase;
let org: string;
let quietOrg: string;
let owner: Person;
const PHONE = '+14155550177';

const deliveries = () => t.sql<{ event_type: string; payload: { data: Record<string, unknown> }; organization_id: string; jobs: number }[]>`
	select d.event_type, d.payload, d.organization_id,
		(select count(*)::int from public.queue_jobs j where j.job_type = 'deliver_webhook' and j.payload->>'delivery_id' = d.id::text) as jobs
	from public.webhook_deliveries d where d.event_type like 'contact.%' order by d.created_at, d.event_type`;

beforeAll(async () => {
	t = await createTestDatabase();
	owner = await createPerson(t.sql, 'owner');
	[{ id: org }] = await t.sql`insert into public.organizations (slug, name) values ('optout-co', 'Opt') returning id`;
	[{ id: quietOrg }] = await t.sql`insert into public.organizations (slug, name) values ('quiet-co', 'Quiet') returning id`;
	for (const o of [org, quietOrg]) {
		await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${o}, ${owner.id}, 'owner')`;
		await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, external_id) values (${o}, 'Ada', ${phoneValues(t.sql, PHONE)}, 'user-42')`;
	}
	await asPerson(t, owner, (tx) => tx`
		select public.create_webhook_endpoint(${org}::uuid, 'https://hooks.example.com/x', '{contact.opted_out,contact.opted_in}', 'whsec_dGVzdA==')`);
	// quietOrg's endpoint does not want contact events.
	await asPerson(t, owner, (tx) => tx`
		select public.create_webhook_endpoint(${quietOrg}::uuid, 'https://hooks.example.com/y', '{message.sent}', 'whsec_dGVzdA==')`);
});
afterAll(async () => t?.close());

describe('opt-out webhook events', () => {
	it('STOP, a repeated STOP, then START: one opted_out and one opted_in, to the workspace that wants them', async () => {
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText(PHONE)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText(PHONE)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		let rows = await deliveries();
		expect(rows.map((r) => r.event_type)).toEqual(['contact.opted_out']);
		expect(rows[0].organization_id).toBe(org);
		expect(rows[0].jobs).toBe(1);
		expect(rows[0].payload.data).toMatchObject({ phoneLast4: '0177', optedOut: true, source: 'keyword', keyword: 'STOP' });
		// The kept payload holds the number sealed only (the dispatcher opens it before signing).
		expect(rows[0].payload.data).not.toHaveProperty('phone');
		expect(JSON.stringify(rows[0].payload)).not.toContain('4155550177');
		expect(openPhone(rows[0].payload.data.phoneEnc as string)).toBe(PHONE);
		expect(rows[0].payload.data.contacts).toEqual([expect.objectContaining({ externalId: 'user-42' })]);

		await t.sql`select public.record_phone_opt_out(${sealedPhoneText(PHONE)}::public.sealed_phone, false, 'keyword', 'START')`;
		rows = await deliveries();
		expect(rows.map((r) => r.event_type)).toEqual(['contact.opted_out', 'contact.opted_in']);
		expect(rows[1].payload.data).toMatchObject({ optedOut: false, keyword: 'START' });
		expect(rows.every((r) => r.organization_id === org)).toBe(true);
	});

	it('a START from a number that never stopped, or a number no workspace knows, sends nothing', async () => {
		const before = (await deliveries()).length;
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText('+14155550178')}::public.sealed_phone, false, 'keyword', 'START')`;
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText('+14155550179')}::public.sealed_phone, true, 'keyword', 'STOP')`;
		expect((await deliveries()).length).toBe(before);
	});
});
