/**
 * A person's right to be forgotten: forget_contact deletes the contact's personal data and
 * redacts its texts (body, number, payload To/From), keeping every verdict, time, cost and event
 * row, so rollups, monthly spend and delivery history stay what they were. Admins and up (or the
 * API's service role) only; the audit log records it without the number, and loses the number
 * from the contact's earlier rows too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, nextSid, openPhone, phoneHash, phoneValues, sealedPhoneText, sqlError } from './fixtures.ts';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let phoneCounter = 0;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'forget');
});
afterAll(async () => {
	await t?.close();
});

function nextNumber(): string {
	phoneCounter += 1;
	return `+4420794600${String(phoneCounter).padStart(2, '0')}`;
}

async function contact(org: string, name = 'Fiona Forgetme'): Promise<{ id: string; phone: string }> {
	const phone = nextNumber();
	const [c] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, external_id, attributes, tags)
		values (${org}, ${name}, ${phoneValues(t.sql, phone)}, ${`crm-${phone}`}, '{"city":"Leeds"}', '{vip}') returning id`;
	return { id: c.id as string, phone };
}

/** A text to the contact that went through the provider and ended `status`, with a priced callback. */
async function finishedText(contactId: string, phone: string, status: 'delivered' | 'undelivered', body = 'Hi Fiona, your table is booked'): Promise<string> {
	const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
		p_message => ${body}, p_contact_id => ${contactId}::uuid) as id`;
	const sid = nextSid();
	await t.sql`select public.mark_sms_dispatching(${id})`;
	await t.sql`select public.attach_sms_sid(${id}, ${sid}, 'queued', 1, 'GSM-7')`;
	const payload = { MessageSid: sid, MessageStatus: status, To: phone, From: '+15005550006', ErrorCode: status === 'delivered' ? null : '30003' };
	await t.sql`select public.apply_sms_status(${sid}, ${status}, ${status === 'delivered' ? null : 30003}, null,
		${t.sql.json(payload)}, 'webhook', '127.0.0.1', -0.0415, 'USD')`;
	return id as string;
}

const rollups = (org: string) => t.sql`
	select bucket, status, notification_type, provider, calling_code, sum(messages)::int as messages, sum(segments)::int as segments,
		sum(price)::text as price, sum(priced)::int as priced, sum(latency_count)::int as latency_count
	from public.sms_message_rollups where organization_id = ${org}
	group by 1, 2, 3, 4, 5 having sum(messages) <> 0 order by 1, 2, 3, 4, 5`;

const kept = (ids: string[]) => t.sql`
	select id, status, provider_status, error_code, price::text, segments, sent_at, delivered_at, failed_at, created_at, twilio_sid, organization_id
	from public.sms_messages where id in ${t.sql(ids)} order by id`;

const events = (ids: string[]) => t.sql`
	select id, message_id, status, raw_status, error_code, price::text, received_at, source from public.sms_delivery_events
	where message_id in ${t.sql(ids)} order by id`;

const forget = (person: keyof Workspaces['people'], id: string) =>
	asPerson(t, w.people[person], (tx) => tx`select public.forget_contact(${id}) as r`);

describe('forget_contact', () => {
	it('removes the person and redacts their texts, keeping verdicts, times, cost, events, rollups and spend', async () => {
		const c = await contact(w.a);
		const other = await contact(w.a, 'Olive Other');
		const ids = [await finishedText(c.id, c.phone, 'delivered'), await finishedText(c.id, c.phone, 'undelivered')];
		const otherText = await finishedText(other.id, other.phone, 'delivered', 'Hi Olive');
		// An uploaded campaign list holding both numbers.
		const [list] = await t.sql`insert into public.sms_campaign_imports (organization_id, columns, phone_column) values (${w.a}, '{phone,name}', 'phone') returning id`;
		await t.sql`insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, name, variables)
			values (${list.id}, 1, ${phoneValues(t.sql, c.phone)}, 'Fiona Forgetme', '{"table":"7"}'), (${list.id}, 2, ${phoneValues(t.sql, other.phone)}, 'Olive Other', '{}')`;
		const [{ id: inbound }] = await t.sql`select public.record_inbound_sms(${'SM' + 'f'.repeat(32)}, ${sealedPhoneText(c.phone)}::public.sealed_phone, 'Thanks Fiona here',
			${t.sql.json({ From: c.phone, Body: 'Thanks Fiona here' })}) as id`;
		await t.sql`select public.compact_sms_message_rollups()`;

		const before = { rollups: await rollups(w.a), texts: await kept(ids), events: await events(ids) };
		const [{ spend: spendBefore }] = await t.sql`select internal.alert_month_spend(${w.a}, now())::text as spend`;
		expect(before.events.length).toBeGreaterThanOrEqual(2);

		const [{ r }] = await forget('admin', c.id);
		expect(r).toMatchObject({ texts: 3, canceled: 0 });
		const [reply] = await t.sql`select phone_enc, phone_hash, phone_last4, calling_code, message_content, status from public.sms_messages where id = ${inbound}`;
		expect(reply).toEqual({ phone_enc: null, phone_hash: null, phone_last4: null, calling_code: '44', message_content: '[Text removed: the contact was forgotten]', status: 'received' });

		expect(await t.sql`select 1 from public.contacts where id = ${c.id}`).toHaveLength(0);
		expect(await kept(ids)).toEqual(before.texts);
		expect(await events(ids)).toEqual(before.events);
		expect(await rollups(w.a)).toEqual(before.rollups);
		await t.sql`select public.compact_sms_message_rollups()`;
		expect(await rollups(w.a)).toEqual(before.rollups);
		const [{ spend: spendAfter }] = await t.sql`select internal.alert_month_spend(${w.a}, now())::text as spend`;
		expect(spendAfter).toBe(spendBefore);

		const texts = await t.sql`select phone_enc, phone_hash, phone_last4, message_content, template_vars, contact_id, recipient_redacted_at, calling_code
			from public.sms_messages where id in ${t.sql(ids)}`;
		for (const m of texts) {
			expect(m).toMatchObject({ phone_enc: null, phone_hash: null, phone_last4: null, message_content: '[Text removed: the contact was forgotten]', template_vars: null, contact_id: null, calling_code: '44' });
			expect(m.recipient_redacted_at).toBeInstanceOf(Date);
		}
		const payloads = await t.sql`select payload from public.sms_delivery_events where message_id in ${t.sql(ids)} and payload is not null`;
		expect(payloads.length).toBeGreaterThan(0);
		for (const { payload } of payloads) {
			expect(payload).toMatchObject({ recipient_forgotten: true });
			expect(JSON.stringify(payload)).not.toContain(c.phone.slice(1));
		}
		// Nothing anywhere in the texts, events or audit log still holds the number or the name.
		const [{ n }] = await t.sql`select count(*)::int as n from public.sms_messages m
			where m.phone_hash = ${phoneHash(c.phone)} or m.message_content like '%Fiona%'`;
		expect(n).toBe(0);
		const [{ leaks }] = await t.sql`select count(*)::int as leaks from public.audit_log a
			where a.organization_id = ${w.a} and (a::text like ${'%' + c.phone.slice(1) + '%'} or a::text like ${'%' + phoneHash(c.phone) + '%'}
				or a::text like '%p1.%' and a.target_id = ${c.id} or a::text like '%Fiona%')`;
		expect(leaks).toBe(0);
		const [audit] = await t.sql`select actor_id, after from public.audit_log where action = 'contact.forgotten' and target_id = ${c.id}`;
		expect(audit.actor_id).toBe(w.people.admin.id);
		expect(audit.after).toMatchObject({ texts_redacted: (r as { texts: number }).texts, by: 'member' });

		// Off the uploaded list; the other person stays on it.
		const listed = await t.sql`select phone_enc from public.sms_campaign_recipients where import_id = ${list.id}`;
		expect(listed.map((r) => openPhone(r.phone_enc))).toEqual([other.phone]);
		// Another contact's texts are untouched.
		const [o] = await t.sql`select phone_enc, message_content, contact_id from public.sms_messages where id = ${otherText}`;
		expect({ ...o, phone_enc: openPhone(o.phone_enc) }).toEqual({ phone_enc: other.phone, message_content: 'Hi Olive', contact_id: other.id });
	});

	it('cancels texts not yet handed to the provider, and refuses while one is being handed over', async () => {
		const c = await contact(w.a);
		const [{ id: pending }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
			p_message => 'Later', p_contact_id => ${c.id}::uuid) as id`;
		const [{ id: dispatching }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null,
			p_message => 'Now', p_contact_id => ${c.id}::uuid) as id`;
		await t.sql`select public.mark_sms_dispatching(${dispatching})`;
		expect((await sqlError(() => forget('owner', c.id))).code).toBe('WS023');
		expect(await t.sql`select 1 from public.contacts where id = ${c.id}`).toHaveLength(1);

		await t.sql`select public.mark_sms_failed(${dispatching}, 30008, 'Unknown error')`;
		const [{ r }] = await forget('owner', c.id);
		expect(r).toMatchObject({ canceled: 1, texts: 2 });
		const [m] = await t.sql`select m.status, m.phone_hash, j.status as job from public.sms_messages m
			join public.queue_jobs j on j.id = m.queue_job_id where m.id = ${pending}`;
		expect(m).toEqual({ status: 'canceled', phone_hash: null, job: 'canceled' });
	});

	it('is for admins and up of the workspace, or the service role; a plain delete is refused', async () => {
		const c = await contact(w.a);
		await finishedText(c.id, c.phone, 'delivered');
		for (const role of ['operator', 'viewer'] as const) expect((await sqlError(() => forget(role, c.id))).code).toBe('WS001');
		for (const role of ['other_member', 'non_member'] as const) expect((await sqlError(() => forget(role, c.id))).code).toBe('WS018');
		expect((await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`delete from public.contacts where id = ${c.id}`))).code).toBe('42501');
		// Even the table owner cannot delete a contact that still has texts: they must be redacted first.
		expect((await sqlError(() => t.sql`delete from public.contacts where id = ${c.id}`)).code).toBe('23503');
		expect((await sqlError(() => t.db.asAnon((tx) => tx`select public.forget_contact(${c.id})`))).code).toBe('42501');

		const [{ r }] = await t.db.asService((tx) => tx`select public.forget_contact(${c.id}) as r`);
		expect(r).toMatchObject({ texts: 1 });
		const [audit] = await t.sql`select actor_id, after from public.audit_log where action = 'contact.forgotten' and target_id = ${c.id}`;
		expect(audit).toMatchObject({ actor_id: null, after: { by: 'api' } });
		expect((await sqlError(() => forget('owner', c.id))).code).toBe('WS018');
	});

	it('keeps the audit log append-only outside forget_contact', async () => {
		const c = await contact(w.a);
		const error = await sqlError(() => t.sql`update public.audit_log set after = '{}' where target_id = ${c.id}`);
		expect(error.code).toBe('WS022');
		// The setting alone, without the function, gives no one a way in (no one but the owner may update).
		const leaked = await sqlError(() =>
			asPerson(t, w.people.owner, (tx) => tx`select set_config('internal.forgetting_contact', ${c.id}, true), 1 from public.audit_log limit 0`.then(() =>
				tx`update public.audit_log set after = '{}' where target_id = ${c.id}`))
		);
		expect(leaked.code).toBe('42501');
	});
});
