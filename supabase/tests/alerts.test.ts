/**
 * Alerts: each default rule opens an alert when its condition holds, the alert opens once,
 * escalates, reminds at most every 24 h, resolves only after 30 minutes clear, and members read
 * only their own workspace's alerts. Time moves by passing p_now to evaluate_alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, sqlError, type Person, phoneValues } from './fixtures.ts';
import { createOrganization, createWorkspaces, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let owner: Person;
let orgCounter = 0;
let phoneCounter = 0;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'alerts');
	owner = await createPerson(t.sql, 'alert-owner');
});

afterAll(async () => {
	await t?.close();
});

interface AlertEvent {
	event: string;
	alertId: string;
	organizationId: string;
	kind: string;
	subject: string;
	severity: string;
	title: string;
}

async function newOrg(): Promise<{ org: string; contact: string }> {
	const org = await createOrganization(t.sql, owner, `al-${++orgCounter}`);
	const [c] = await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${org}, 'Dee', ${phoneValues(t.sql, `+1415555${String(1000 + orgCounter).slice(-4)}`)}) returning id`;
	return { org, contact: c.id as string };
}

/** n final texts that became final `agoSeconds` before now. */
async function finals(
	o: { org: string; contact: string },
	n: number,
	status: 'delivered' | 'failed' | 'undelivered',
	options: { code?: number; agoSeconds?: number } = {}
): Promise<void> {
	const ago = options.agoSeconds ?? 60;
	await t.sql`
		insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, error_code,
			sent_at, delivered_at, failed_at)
		select ${o.org}, ${o.contact}, ${phoneValues(t.sql, '+14155550100')}, 'x', ${status}, ${options.code ?? null},
			now() - make_interval(secs => ${ago + 5}),
			case when ${status} = 'delivered' then now() - make_interval(secs => ${ago}) end,
			case when ${status} <> 'delivered' then now() - make_interval(secs => ${ago}) end
		from generate_series(1, ${n})`;
}

async function evaluate(offsetMinutes = 0): Promise<AlertEvent[]> {
	const [{ events }] = await t.sql`select public.evaluate_alerts(now() + make_interval(mins => ${offsetMinutes})) as events`;
	return events as AlertEvent[];
}

const eventsFor = (events: AlertEvent[], org: string, kind?: string) =>
	events.filter((e) => e.organizationId === org && (kind === undefined || e.kind === kind));

async function openAlerts(org: string) {
	return t.sql`select kind, subject, severity, title, details from public.alerts where organization_id = ${org} and status = 'open' order by kind, subject`;
}

describe('failure rate', () => {
	it('needs at least 20 final texts, warns above 10 %, is critical above 25 %, and opens once', async () => {
		const o = await newOrg();
		await finals(o, 9, 'delivered');
		await finals(o, 10, 'failed', { code: 30003 });
		expect(eventsFor(await evaluate(), o.org, 'failure_rate')).toEqual([]);

		// 40 final texts, 5 failed (12.5 %): a warning.
		await t.sql`delete from public.sms_messages where organization_id = ${o.org}`;
		await finals(o, 35, 'delivered');
		await finals(o, 5, 'undelivered', { code: 30003 });
		const opened = eventsFor(await evaluate(), o.org, 'failure_rate');
		expect(opened).toMatchObject([{ event: 'opened', kind: 'failure_rate', severity: 'warning' }]);
		const [alert] = (await openAlerts(o.org)).filter((x) => x.kind === 'failure_rate');
		expect(alert.details).toMatchObject({ final: 40, failed: 5, rate: 0.125, topCodes: [{ code: 30003, texts: 5 }] });
		expect(alert.title).toBe('13% of texts failed in the last 15 minutes');

		// Still true: no new event, still one alert.
		expect(eventsFor(await evaluate(), o.org, 'failure_rate')).toEqual([]);
		expect((await openAlerts(o.org)).filter((x) => x.kind === 'failure_rate')).toHaveLength(1);

		await finals(o, 10, 'failed', { code: 30005 });
		expect(eventsFor(await evaluate(), o.org, 'failure_rate')).toMatchObject([{ event: 'escalated', severity: 'critical', alertId: opened[0]!.alertId }]);
	});

	it('ignores the codes a rule excludes', async () => {
		const o = await newOrg();
		await finals(o, 20, 'delivered');
		await finals(o, 10, 'undelivered', { code: 30007 });
		await asPerson(t, owner, (tx) => tx`select public.set_alert_rule(${o.org}, 'failure_rate', true, p_excluded_codes => '{30007}')`);
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate')).toEqual([]);
		const [audit] = await t.sql`select action, target_id from public.audit_log where organization_id = ${o.org} and action = 'alert_rule.update'`;
		expect(audit).toEqual({ action: 'alert_rule.update', target_id: 'failure_rate' });
	});

	it('resolves only after 30 minutes clear, then a new burst opens a new alert', async () => {
		const o = await newOrg();
		await finals(o, 10, 'delivered');
		await finals(o, 15, 'failed', { code: 30003 });
		expect(eventsFor(await evaluate(), o.org).map((e) => e.event)).toContain('opened');
		// 20 minutes on the window is empty (clear), but not for 30 minutes yet.
		expect(eventsFor(await evaluate(20), o.org)).toEqual([]);
		expect(await openAlerts(o.org)).not.toHaveLength(0);
		const resolved = eventsFor(await evaluate(31), o.org);
		expect(resolved.map((e) => [e.event, e.kind])).toContainEqual(['resolved', 'failure_rate']);
		expect(await openAlerts(o.org)).toHaveLength(0);

		await finals(o, 25, 'failed', { code: 30003, agoSeconds: 10 });
		const again = eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate');
		expect(again).toMatchObject([{ event: 'opened' }]);
		const [{ n }] = await t.sql`select count(*)::int as n from public.alerts where organization_id = ${o.org} and kind = 'failure_rate'`;
		expect(n).toBe(2);
	});

	it('reminds at most every 24 hours while it stays open', async () => {
		const o = await newOrg();
		await finals(o, 25, 'failed', { code: 30003 });
		await evaluate();
		await t.sql`update public.alerts set last_notified_at = now() - interval '23 hours' where organization_id = ${o.org}`;
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate')).toEqual([]);
		await t.sql`update public.alerts set last_notified_at = now() - interval '25 hours' where organization_id = ${o.org}`;
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate')).toMatchObject([{ event: 'reminded' }]);
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate')).toEqual([]);
	});
});

describe('the other default rules', () => {
	it('one error code rising to 3 × its 7-day baseline', async () => {
		const o = await newOrg();
		// Baseline: 7 texts with 30006 over the week ≈ 0.01 per 15 min; now 6 in 15 min.
		await finals(o, 7, 'failed', { code: 30006, agoSeconds: 3 * 86_400 });
		await finals(o, 6, 'failed', { code: 30006 });
		await finals(o, 200, 'delivered');
		const events = eventsFor(await evaluate(), o.org, 'error_code_spike');
		expect(events).toMatchObject([{ event: 'opened', subject: '30006' }]);
		expect(events[0]!.title).toBe('Error 30006 rose to 6 texts in 15 minutes (usually 0.01)');
	});

	it('an error code at its usual level does not alert', async () => {
		const o = await newOrg();
		// 700 over the week ≈ 1 per 15 min; 2 now is below both 3 × and the minimum of 5.
		await finals(o, 700, 'failed', { code: 30006, agoSeconds: 2 * 86_400 });
		await finals(o, 2, 'failed', { code: 30006 });
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'error_code_spike')).toEqual([]);
	});

	it('no status callbacks for 10 minutes from a provider while texts go to it', async () => {
		const o = await newOrg();
		const [m] = await t.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, sent_at)
			values (${o.org}, ${o.contact}, ${phoneValues(t.sql, '+14155550100')}, 'x', 'sent', now() - interval '5 minutes') returning id`;
		expect(eventsFor(await evaluate(), o.org)).toMatchObject([{ event: 'opened', kind: 'callbacks_silent', subject: 'twilio', severity: 'critical' }]);

		const p = await newOrg();
		const [m2] = await t.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, sent_at)
			values (${p.org}, ${p.contact}, ${phoneValues(t.sql, '+14155550100')}, 'x', 'sent', now() - interval '5 minutes') returning id`;
		await t.sql`insert into public.sms_delivery_events (message_id, raw_status, status, source, received_at)
			values (${m2.id}, 'sent', 'sent', 'webhook', now() - interval '4 minutes')`;
		expect(eventsFor(await evaluate(), p.org)).toEqual([]);
		expect(m.id).toBeTruthy();
	});

	it("the workspace's oldest due job older than 5 minutes", async () => {
		const o = await newOrg();
		const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'stuck',
			p_organization_id => ${o.org}::uuid, p_contact_id => ${o.contact}::uuid) as id`;
		expect(eventsFor(await evaluate(), o.org)).toEqual([]);
		await t.sql`update public.queue_jobs j set run_at = now() - interval '6 minutes' from public.sms_messages m
			where m.queue_job_id = j.id and m.id = ${id}`;
		const events = eventsFor(await evaluate(), o.org);
		expect(events).toMatchObject([{ event: 'opened', kind: 'queue_stalled', severity: 'critical' }]);
		expect(events[0]!.title).toMatch(/oldest due job has waited 6 minutes/);
	});

	it('spend passing 80 % and then 100 % of the monthly cap', async () => {
		const o = await newOrg();
		await t.sql`update public.organizations set monthly_spend_cap = 10 where id = ${o.org}`;
		const spend = (price: number) =>
			t.sql`insert into public.sms_messages (organization_id, contact_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, price, price_unit, sent_at, delivered_at)
				values (${o.org}, ${o.contact}, ${phoneValues(t.sql, '+14155550100')}, 'x', 'delivered', ${-price}, 'USD', now(), now())`;
		await spend(7.5);
		expect(eventsFor(await evaluate(), o.org)).toEqual([]);
		await spend(1);
		expect(eventsFor(await evaluate(), o.org)).toMatchObject([{ event: 'opened', kind: 'spend_cap', severity: 'warning' }]);
		await spend(2);
		expect(eventsFor(await evaluate(), o.org)).toMatchObject([{ event: 'escalated', kind: 'spend_cap', severity: 'critical' }]);
	});

	it('a disabled rule does not alert', async () => {
		const o = await newOrg();
		await asPerson(t, owner, (tx) => tx`select public.set_alert_rule(${o.org}, 'failure_rate', false)`);
		await finals(o, 30, 'failed', { code: 30003 });
		expect(eventsFor(await evaluate(), o.org).filter((e) => e.kind === 'failure_rate')).toEqual([]);
	});
});

describe('who sees and changes alerts', () => {
	it('members read their own workspace alerts only; admins change rules; nobody but the service evaluates', async () => {
		await t.sql`insert into public.alerts (organization_id, kind, severity, title) values (${w.a}, 'queue_stalled', 'critical', 'A'), (${w.b}, 'queue_stalled', 'critical', 'B')`;
		for (const role of ['owner', 'admin', 'operator', 'viewer'] as const) {
			const rows = await asPerson(t, w.people[role], (tx) => tx`select title from public.alerts where organization_id in (${w.a}, ${w.b})`);
			expect(rows.map((r) => r.title)).toEqual(['A']);
		}
		const stranger = await asPerson(t, w.people.non_member, (tx) => tx`select title from public.alerts`);
		expect(stranger).toEqual([]);

		const operatorChange = await sqlError(() => asPerson(t, w.people.operator, (tx) => tx`select public.set_alert_rule(${w.a}, 'failure_rate', false)`));
		expect(operatorChange.code).toBe('WS001');
		await asPerson(t, w.people.admin, (tx) => tx`select public.set_alert_rule(${w.a}, 'failure_rate', true, 0.2, 0.4)`);
		const rules = await asPerson(t, w.people.viewer, (tx) => tx`select kind, warning_threshold::float8 as warn, critical_threshold::float8 as crit, customised from public.workspace_alert_rules(${w.a})`);
		expect(rules.find((r) => r.kind === 'failure_rate')).toEqual({ kind: 'failure_rate', warn: 0.2, crit: 0.4, customised: true });
		expect(rules.find((r) => r.kind === 'queue_stalled')).toMatchObject({ customised: false });
		const bad = await sqlError(() => asPerson(t, w.people.admin, (tx) => tx`select public.set_alert_rule(${w.a}, 'failure_rate', true, 0.5, 0.2)`));
		expect(bad.code).toBe('AL001');

		const evaluateAsOwner = await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`select public.evaluate_alerts()`));
		expect(evaluateAsOwner.code).toBe('42501');
		const write = await sqlError(() => asPerson(t, w.people.owner, (tx) => tx`update public.alerts set status = 'resolved', resolved_at = now()`));
		expect(write.code).toBe('42501');
	});
});

describe('alerts reach outbound webhooks', () => {
	it('queues alert.opened and alert.resolved for endpoints that subscribe to them', async () => {
		const o = await newOrg();
		await t.sql`insert into public.webhook_endpoints (organization_id, url, events, secret)
			values (${o.org}, 'https://hooks.example.com/a', '{alert.opened,alert.resolved}', 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ='),
			       (${o.org}, 'https://hooks.example.com/b', '{message.delivered}', 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=')`;
		await finals(o, 25, 'failed', { code: 30003 });
		await evaluate();
		await evaluate(31);
		const deliveries = await t.sql`select d.event_type, d.payload -> 'data' ->> 'kind' as kind, e.url
			from public.webhook_deliveries d join public.webhook_endpoints e on e.id = d.endpoint_id
			where d.organization_id = ${o.org} and d.payload -> 'data' ->> 'kind' = 'failure_rate' order by d.event_type`;
		expect(deliveries).toEqual([
			{ event_type: 'alert.opened', kind: 'failure_rate', url: 'https://hooks.example.com/a' },
			{ event_type: 'alert.resolved', kind: 'failure_rate', url: 'https://hooks.example.com/a' }
		]);
	});
});

describe('on call', () => {
	it('admins put members on call; operators cannot; strangers are not members', async () => {
		await asPerson(t, w.people.admin, (tx) => tx`select public.set_member_on_call(${w.a}, ${w.people.viewer.id}, true)`);
		const [{ on_call }] = await t.sql`select on_call from public.organization_members where organization_id = ${w.a} and user_id = ${w.people.viewer.id}`;
		expect(on_call).toBe(true);
		expect((await sqlError(() => asPerson(t, w.people.operator, (tx) => tx`select public.set_member_on_call(${w.a}, ${w.people.viewer.id}, false)`))).code).toBe('WS001');
		expect((await sqlError(() => asPerson(t, w.people.admin, (tx) => tx`select public.set_member_on_call(${w.a}, ${w.people.non_member.id}, true)`))).code).toBe('WS011');
	});
});
