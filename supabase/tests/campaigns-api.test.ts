/**
 * The campaign SQL API as a member calls it: start (texts, jobs, contacts, rendering, opt-outs,
 * the throttle, idempotency under concurrent calls, the spend cap), pause / resume / cancel as
 * the worker's begin-dispatch step sees them, the failure breaker at its boundary, retries and
 * progress.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openPhone, phoneColumns, phoneHash, type TestDatabase } from '@sms/db/testing';
import { asPerson, sqlError } from './fixtures.ts';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';
import {
	beginDispatch,
	campaignRow,
	campaignTexts,
	createCampaign,
	createImport,
	finish,
	startCampaign,
	type RecipientInput
} from './campaign-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let counter = 0;
/** Numbers unique to this file (the workspace has one contact per number). */
function phone(): string {
	counter += 1;
	return `+1415666${String(counter).padStart(4, '0')}`;
}
function recipients(n: number, extra: Partial<RecipientInput> = {}): RecipientInput[] {
	return Array.from({ length: n }, (_, i) => ({ phone: phone(), variables: { first_name: `Name${i}` }, ...extra }));
}

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'camp');
	await t.sql`insert into public.sms_pricing (iso_country, country_name, price_unit, outbound_price, expires_at)
		values ('US', 'United States', 'USD', 0.0079, now() + interval '1 day')
		on conflict (iso_country) do update set outbound_price = excluded.outbound_price, known = true`;
});
afterAll(async () => {
	await t?.close();
});

describe('start_campaign', () => {
	it('creates a contact, a rendered text and a job per recipient, staggered at the throttle, and skips opted-out numbers', async () => {
		const list = recipients(5);
		list[1]!.timeZone = 'Europe/Paris';
		list[1]!.name = 'Ada Lovelace';
		const { calling_code: _cc, ...optOut } = phoneColumns(list[3]!.phone);
		await t.sql`insert into public.sms_phone_opt_outs ${t.sql({ ...optOut, opted_out: true, opted_out_at: new Date(), source: 'keyword' })}`;
		const importId = await createImport(t.sql, w.a, list);
		const id = await createCampaign(t, w.people.operator, w.a, { importId, body: 'Hi {{first_name}}, 20% off today', throttle: 2 });
		const result = await startCampaign(t, w.people.operator, id);
		expect(result).toMatchObject({ status: 'sending', total: 5, queued: 4, skipped: 1, already_started: false });

		const texts = await campaignTexts(t.sql, id);
		expect(texts.map((x) => x.message_content)).toEqual(list.map((r) => `Hi ${r.variables!.first_name}, 20% off today`));
		expect(texts.map((x) => x.status)).toEqual(['pending', 'pending', 'pending', 'suppressed', 'pending']);
		expect(texts[3]).toMatchObject({ status_reason: 'opted_out', job_status: null });
		expect(texts[0]!.estimated_cost).toBe('0.007900');
		// Two a second: 0, 0.5, 1.0, 1.5 s after the first.
		const times = texts.filter((x) => x.run_at).map((x) => x.run_at!.getTime());
		expect(times.slice(1).map((ms) => (ms - times[0]!) / 1000)).toEqual([0.5, 1, 1.5]);

		const [contact] = await t.sql<{ name: string; time_zone: string | null; phone_enc: string; phone_last4: string; calling_code: string }[]>`
			select name, time_zone, phone_enc, phone_last4, calling_code from public.contacts where organization_id = ${w.a} and phone_hash = ${phoneHash(list[1]!.phone)}`;
		expect(contact).toMatchObject({ name: 'Ada Lovelace', time_zone: 'Europe/Paris', phone_last4: list[1]!.phone.slice(-4), calling_code: '1' });
		expect(openPhone(contact!.phone_enc)).toBe(list[1]!.phone);
		// A recipient with no name: a contact with no name (not its number).
		const [unnamed] = await t.sql<{ name: string | null }[]>`
			select name from public.contacts where organization_id = ${w.a} and phone_hash = ${phoneHash(list[0]!.phone)}`;
		expect(unnamed).toEqual({ name: null });
		// Each text carries its recipient's sealed number, opened to the same number.
		expect(texts.map((x) => x.phone_number)).toEqual(list.map((r) => r.phone));
		expect(texts.map((x) => x.phone_hash)).toEqual(list.map((r) => phoneHash(r.phone)));
		expect(await campaignRow(t.sql, id)).toMatchObject({ status: 'sending', total_count: 5, skipped_count: 1, remaining_count: 4 });
		const audit = await t.sql<{ action: string; actor_id: string }[]>`
			select action, actor_id from public.audit_log where target_id = ${id} order by id`;
		expect(audit.map((a) => a.action)).toEqual(['campaign.created', 'campaign.started']);
		expect(audit[1]!.actor_id).toBe(w.people.operator.id);
		// The 5 new contacts are audited once, in campaign.started, not one row each.
		const [started] = await t.sql<{ after: { contacts_created: number; import_id: string } }[]>`
			select after from public.audit_log where target_id = ${id} and action = 'campaign.started'`;
		expect(started!.after).toMatchObject({ contacts_created: 5, import_id: importId });
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.audit_log a join public.contacts c on c.id::text = a.target_id
			where c.phone_hash = any (${list.map((r) => phoneHash(r.phone))}::text[]) and a.action = 'contact.created'`;
		expect(n).toBe(0);
	});

	it("a signed-in user cannot skip the contact audit by setting the campaign variable", async () => {
		const [row] = await asPerson(t, w.people.operator, async (tx) => {
			await tx`select set_config('internal.campaign_contacts', 'on', true)`;
			return tx<{ id: string }[]>`insert into public.contacts ${tx({ organization_id: w.a, name: 'Sneaky', ...phoneColumns(phone()) })} returning id`;
		});
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.audit_log where target_id = ${row!.id} and action = 'contact.created'`;
		expect(n).toBe(1);
	});

	it('starts once when two calls race (a double click): one result, one set of texts', async () => {
		const importId = await createImport(t.sql, w.a, recipients(50));
		const id = await createCampaign(t, w.people.operator, w.a, { importId });
		const results = await Promise.all([startCampaign(t, w.people.operator, id), startCampaign(t, w.people.admin, id)]);
		expect(results.map((r) => r.already_started).sort()).toEqual([false, true]);
		expect(results.every((r) => r.queued === 50)).toBe(true);
		const [{ n, jobs }] = await t.sql<{ n: number; jobs: number }[]>`
			select count(*)::int as n, count(distinct queue_job_id)::int as jobs from public.sms_messages where campaign_id = ${id}`;
		expect({ n, jobs }).toEqual({ n: 50, jobs: 50 });
	});

	it('renders a workspace template per recipient like queue_sms_message, and a missing variable names the row and writes nothing', async () => {
		const [tpl] = await asPerson(t, w.people.admin, (tx) => tx<{ id: string }[]>`
			select public.create_sms_template(${w.a}, 'promo', 'Promo', 'Hello {{ first_name }}, your code is {{code}}', 'custom') as id`);
		const list = [
			{ phone: phone(), variables: { first_name: 'Zoë', code: 'A1' } },
			{ phone: phone(), variables: { first_name: 'Bo', code: ' ' } }
		];
		const importId = await createImport(t.sql, w.a, list);
		const id = await createCampaign(t, w.people.operator, w.a, { importId, templateId: tpl!.id });
		const error = await sqlError(() => startCampaign(t, w.people.operator, id));
		expect(error.code).toBe('TP005');
		expect(error.message).toBe('missing_variables: the template needs a value for: code (row 3)');
		expect(await campaignTexts(t.sql, id)).toEqual([]);
		expect((await campaignRow(t.sql, id)).status).toBe('draft');

		await t.sql`update public.sms_campaign_recipients set variables = '{"first_name":"Bo","code":"B2"}' where import_id = ${importId} and row_number = 3`;
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		const [{ single }] = await t.sql<{ single: string }[]>`
			select internal.render_template('Hello {{ first_name }}, your code is {{code}}', '{"first_name":"Zoë","code":"A1"}', array['first_name','code']) as single`;
		expect(texts.map((x) => x.message_content)).toEqual([single, 'Hello Bo, your code is B2']);
		const [{ usage }] = await t.sql<{ usage: number }[]>`select usage_count as usage from public.sms_templates where id = ${tpl!.id}`;
		expect(usage).toBe(2);
	});
});

describe('the monthly spend cap', () => {
	it('refuses an estimate over the remaining cap unless an owner confirms (audited)', async () => {
		await t.sql`update public.organizations set monthly_spend_cap = 0.05 where id = ${w.a}`;
		try {
			const importId = await createImport(t.sql, w.a, recipients(10));
			const id = await createCampaign(t, w.people.operator, w.a, { importId });
			expect((await sqlError(() => startCampaign(t, w.people.operator, id))).code).toBe('CM010');
			expect((await sqlError(() => startCampaign(t, w.people.operator, id, true))).code).toBe('CM011');
			expect((await sqlError(() => startCampaign(t, w.people.admin, id, true))).code).toBe('CM011');
			expect(await campaignTexts(t.sql, id)).toEqual([]);
			const result = await startCampaign(t, w.people.owner, id, true);
			expect(result).toMatchObject({ queued: 10, over_cap_confirmed: true });
			const [audit] = await t.sql<{ actor_id: string; after: { estimated_cost: number } }[]>`
				select actor_id, after from public.audit_log where target_id = ${id} and action = 'campaign.over_cap_confirmed'`;
			expect(audit!.actor_id).toBe(w.people.owner.id);
			expect(Number(audit!.after.estimated_cost)).toBeCloseTo(0.079, 6);
		} finally {
			await t.sql`update public.organizations set monthly_spend_cap = null where id = ${w.a}`;
		}
	});

	it('pauses a sending campaign before a text would take the month past the cap', async () => {
		const importId = await createImport(t.sql, w.b, recipients(10));
		const id = await createCampaign(t, w.people.other_member, w.b, { importId });
		await t.sql`update public.organizations set monthly_spend_cap = 1 where id = ${w.b}`;
		await startCampaign(t, w.people.other_member, id);
		const texts = await campaignTexts(t.sql, id);
		const first = await beginDispatch(t.sql, texts.slice(0, 2).map((x) => x.id));
		expect([...first.values()].map((v) => v.outcome)).toEqual(['dispatching', 'dispatching']);
		// Spent so far: 2 × 0.0079. The owner lowers the cap to just above it.
		await t.sql`update public.organizations set monthly_spend_cap = 0.02 where id = ${w.b}`;
		const next = await beginDispatch(t.sql, texts.slice(2, 4).map((x) => x.id));
		expect([...next.values()].map((v) => v.outcome)).toEqual(['not_sendable', 'not_sendable']);
		const row = await campaignRow(t.sql, id);
		expect(row.status).toBe('paused');
		expect(row.pause_reason).toMatch(/^spend_cap: .*cap of 0\.02 USD/);
		const after = await campaignTexts(t.sql, id);
		expect(after.slice(2).every((x) => x.status === 'pending' && x.job_status === 'pending' && x.run_at!.getFullYear() > 2100)).toBe(true);
	});
});

describe('pause, resume, cancel at dispatch time', () => {
	it('a paused campaign hands nothing more over, even texts a worker already claimed; resume re-staggers the rest from now', async () => {
		const importId = await createImport(t.sql, w.a, recipients(6));
		const id = await createCampaign(t, w.people.operator, w.a, { importId, throttle: 1 });
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		// A worker claimed the first two before the pause.
		await t.sql`update public.queue_jobs j set status = 'processing', locked_by = 'w1', locked_until = now() + interval '1 minute'
			from public.sms_messages m where m.id = any (${texts.slice(0, 2).map((x) => x.id)}::uuid[]) and j.id = m.queue_job_id`;
		await asPerson(t, w.people.operator, (tx) => tx`select public.pause_campaign(${id}, 'wrong link in the text')`);
		const refused = await beginDispatch(t.sql, texts.slice(0, 2).map((x) => x.id));
		expect([...refused.values()].map((v) => v.outcome)).toEqual(['not_sendable', 'not_sendable']);
		const paused = await campaignTexts(t.sql, id);
		expect(paused.every((x) => x.status === 'pending' && x.job_status === 'pending' && x.run_at!.getFullYear() > 2100)).toBe(true);
		expect((await campaignRow(t.sql, id)).pause_reason).toBe('wrong link in the text');
		// The worker's completion of a refused job finds no lease (the job waits for resume).
		const [{ done }] = await t.sql<{ done: boolean }[]>`
			select public.complete_job((select queue_job_id from public.sms_messages where id = ${texts[0]!.id}), 'w1') as done`;
		expect(done).toBe(false);

		const before = Date.now();
		await asPerson(t, w.people.operator, (tx) => tx`select public.resume_campaign(${id})`);
		const resumed = await campaignTexts(t.sql, id);
		const offsets = resumed.map((x) => (x.run_at!.getTime() - before) / 1000).sort((a, b) => a - b);
		expect(offsets[0]).toBeGreaterThan(-2);
		expect(offsets[0]).toBeLessThan(2);
		expect(offsets.slice(1).map((o, i) => Math.round(o - offsets[i]!))).toEqual([1, 1, 1, 1, 1]);
		const go = await beginDispatch(t.sql, [resumed[0]!.id]);
		expect(go.get(resumed[0]!.id)?.outcome).toBe('dispatching');
	});

	it('cancel marks every waiting text and job canceled; a claimed one is refused', async () => {
		const importId = await createImport(t.sql, w.a, recipients(5));
		const id = await createCampaign(t, w.people.operator, w.a, { importId });
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		await finish(t.sql, texts[0]!.id, 'delivered');
		await asPerson(t, w.people.operator, (tx) => tx`select public.cancel_campaign(${id})`);
		const after = await campaignTexts(t.sql, id);
		expect(after.map((x) => x.status)).toEqual(['delivered', 'canceled', 'canceled', 'canceled', 'canceled']);
		expect(after.slice(1).every((x) => x.job_status === 'canceled' && x.status_reason === 'campaign_canceled')).toBe(true);
		const refused = await beginDispatch(t.sql, [texts[1]!.id]);
		expect(refused.get(texts[1]!.id)?.outcome).toBe('not_sendable');
		expect((await campaignRow(t.sql, id)).status).toBe('canceled');
		expect((await sqlError(() => asPerson(t, w.people.operator, (tx) => tx`select public.resume_campaign(${id})`))).code).toBe('CM013');
	});

	it('completes once every text is handed over', async () => {
		const importId = await createImport(t.sql, w.a, recipients(2));
		const id = await createCampaign(t, w.people.operator, w.a, { importId });
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		await finish(t.sql, texts[0]!.id, 'delivered');
		expect((await campaignRow(t.sql, id)).status).toBe('sending');
		await finish(t.sql, texts[1]!.id, 'undelivered', 30003);
		expect(await campaignRow(t.sql, id)).toMatchObject({ status: 'completed', remaining_count: 0, final_count: 2, failed_count: 1 });
	});
});

describe('the failure breaker', () => {
	it('does not trip at exactly 25 % of 20 final texts', async () => {
		const importId = await createImport(t.sql, w.a, recipients(30));
		const id = await createCampaign(t, w.people.operator, w.a, { importId });
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		for (const x of texts.slice(0, 5)) await finish(t.sql, x.id, 'undelivered', 30003);
		for (const x of texts.slice(5, 20)) await finish(t.sql, x.id, 'delivered');
		expect(await campaignRow(t.sql, id)).toMatchObject({ status: 'sending', final_count: 20, failed_count: 5, pause_reason: null });
	});

	it('does not trip below 20 final texts, then trips at 20 with more than 25 % failed, naming the top error codes', async () => {
		const importId = await createImport(t.sql, w.a, recipients(30));
		const id = await createCampaign(t, w.people.operator, w.a, { importId });
		await startCampaign(t, w.people.operator, id);
		const texts = await campaignTexts(t.sql, id);
		for (const x of texts.slice(0, 4)) await finish(t.sql, x.id, 'undelivered', 30003);
		for (const x of texts.slice(4, 6)) await finish(t.sql, x.id, 'failed', 21211);
		for (const x of texts.slice(6, 19)) await finish(t.sql, x.id, 'delivered');
		expect(await campaignRow(t.sql, id)).toMatchObject({ status: 'sending', final_count: 19, failed_count: 6 });
		await finish(t.sql, texts[19]!.id, 'delivered');
		const row = await campaignRow(t.sql, id);
		expect(row.status).toBe('paused');
		expect(row.pause_reason).toBe(
			'failure_breaker: 6 of the last 20 finished texts failed (30%); top errors: 30003 ×4, 21211 ×2. Check the list and the errors, then resume or retry the failures'
		);
		const waiting = (await campaignTexts(t.sql, id)).slice(20);
		expect(waiting.every((x) => x.run_at!.getFullYear() > 2100)).toBe(true);
		const [audit] = await t.sql<{ actor_id: string | null }[]>`
			select actor_id from public.audit_log where target_id = ${id} and action = 'campaign.breaker_paused'`;
		expect(audit).toEqual({ actor_id: null });

		// Retry: the 30003s (retryable) go again, the 21211s (invalid number) are listed.
		const [{ r }] = await asPerson(t, w.people.operator, (tx) => tx<{ r: { retried: number; skipped: { message_id: string; reason: string }[] } }[]>`
			select public.retry_campaign_failures(${id}) as r`);
		expect(r.retried).toBe(4);
		expect(r.skipped.map((s) => s.message_id).sort()).toEqual(texts.slice(4, 6).map((x) => x.id).sort());
		expect(r.skipped[0]!.reason).toBe('not retryable: error 21211 needs a change before a new try');
		// Resumed, the breaker judges afresh (the old failures do not trip it again).
		await asPerson(t, w.people.operator, (tx) => tx`select public.resume_campaign(${id})`);
		const remaining = (await campaignTexts(t.sql, id)).filter((x) => x.status === 'pending');
		expect(remaining).toHaveLength(14);
		await finish(t.sql, remaining[0]!.id, 'delivered');
		expect((await campaignRow(t.sql, id)).status).toBe('sending');
	});
});

describe('campaign_progress', () => {
	it('counts by status and gives an ETA that includes the workspace texts queued ahead', async () => {
		const importId = await createImport(t.sql, w.b, recipients(12));
		const id = await createCampaign(t, w.people.other_member, w.b, { importId, throttle: 2 });
		await t.sql`update public.organizations set monthly_spend_cap = null where id = ${w.b}`;
		await startCampaign(t, w.people.other_member, id);
		const texts = await campaignTexts(t.sql, id);
		await finish(t.sql, texts[0]!.id, 'delivered');
		await finish(t.sql, texts[1]!.id, 'failed', 30008);
		await t.sql`select public.cancel_sms_message(${texts[2]!.id})`;
		const [{ p }] = await asPerson(t, w.people.other_member, (tx) => tx<{ p: Record<string, unknown> }[]>`
			select public.campaign_progress(${id}) as p`);
		expect(p).toMatchObject({ total: 12, delivered: 1, failed: 1, canceled: 1, pending: 9, held: 0, skipped: 0, status: 'sending' });
		// 9 waiting at 2/s, the last one 5.5 s after the start.
		expect(p.eta_seconds).toBeGreaterThanOrEqual(5);
		expect(p.eta_seconds).toBeLessThanOrEqual(6);
		expect(Number(p.rate_per_second)).toBeCloseTo(2 / 60, 2);
	});
});

describe('templates', () => {
	it('a template a live campaign uses cannot be deleted', async () => {
		const [tpl] = await asPerson(t, w.people.admin, (tx) => tx<{ id: string }[]>`
			select public.create_sms_template(${w.a}, 'keep-me', 'Keep', 'Hi {{first_name}}', 'custom') as id`);
		const importId = await createImport(t.sql, w.a, recipients(1));
		await createCampaign(t, w.people.operator, w.a, { importId, templateId: tpl!.id, name: 'Newsletter' });
		const error = await sqlError(() => asPerson(t, w.people.admin, (tx) => tx`select public.delete_sms_template(${tpl!.id})`));
		expect(error).toEqual({
			code: 'CM020',
			message: 'template_in_use: the draft campaign "Newsletter" uses this template; cancel it or pick another template first'
		});
	});
});
