/**
 * Templates per workspace: who reads and writes them (every role, as `authenticated` with
 * claims), the admin-only SQL API with its named errors, the audit trail, the delete guard,
 * the lookup by workspace in queue_sms_message and its bulk form, and the variable detection
 * shared with twilio-service's templateVariables (parity over cases).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateVariables } from '@sms/twilio-service';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, sqlError, phoneValues } from './fixtures.ts';
import { ROLE_NAMES, asRole, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let templateA: string;
let templateB: string;
const contacts: Record<string, string> = {};

async function contact(org: string, phone: string): Promise<string> {
	const [row] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${org}, 'Contact', ${phoneValues(t.sql, phone)}) returning id`;
	return row.id;
}

const asOwner = <T>(fn: Parameters<typeof asPerson<T>>[2]) => asPerson(t, w.people.owner, fn);

async function create(org: string, key: string, body: string, role: RoleName = 'owner'): Promise<string> {
	const [row] = await asRole(t, w, role, (tx) => tx<{ id: string }[]>`
		select public.create_sms_template(${org}, ${key}, ${'Template ' + key}, ${body}) as id`);
	return row.id;
}

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'tpl');
	templateA = await create(w.a, 'reminder', 'Hi {{name}}, see you at {{time}}.');
	const [b] = await asPerson(t, w.people.other_member, (tx) => tx<{ id: string }[]>`
		select public.create_sms_template(${w.b}, 'reminder', 'B reminder', 'B says {{x}}') as id`);
	templateB = b.id;
	for (const [name, org, phone] of [['a1', w.a, '+14155550101'], ['a2', w.a, '+14155550102'], ['b1', w.b, '+14155550103'], ['a3', w.a, '+14155550104']] as const) {
		contacts[name] = await contact(org, phone);
	}
});

afterAll(async () => {
	await t?.close();
});

describe('reading templates', () => {
	it.each(ROLE_NAMES)('%s reads a workspace\'s templates only as its member', async (role) => {
		const seen = await tryAsRole(t, w, role, (tx) => tx<{ id: string }[]>`
			select id from public.sms_templates where id in (${templateA}, ${templateB})`).catch(
			(error: { code?: string }) => error.code
		);
		const member = ['owner', 'admin', 'operator', 'viewer'].includes(role);
		if (role === 'anon') expect(seen).toBe('42501');
		else expect(seen).toEqual(member ? [{ id: templateA }] : role === 'other_member' ? [{ id: templateB }] : []);
	});
});

describe('writing templates', () => {
	const writeOutcome = (role: RoleName, fn: Parameters<typeof tryAsRole>[3]) =>
		tryAsRole(t, w, role, fn).then(
			() => 'ok',
			(error: { code?: string }) => error.code ?? 'thrown'
		);

	it.each(ROLE_NAMES)('%s: create, edit, deactivate and delete through the API (admin and up only)', async (role) => {
		const expected = ['owner', 'admin'].includes(role) ? 'ok' : role === 'anon' ? '42501' : role === 'operator' || role === 'viewer' ? 'WS001' : null;
		const unknown = role === 'anon' ? '42501' : 'TP001';
		const results = {
			create: await writeOutcome(role, (tx) => tx`select public.create_sms_template(${w.a}, 'by-role', 'By role', 'Hello')`),
			update: await writeOutcome(role, (tx) => tx`select public.update_sms_template(${templateA}, 'Renamed', 'Hi {{name}}')`),
			deactivate: await writeOutcome(role, (tx) => tx`select public.set_sms_template_active(${templateA}, false)`),
			delete: await writeOutcome(role, (tx) => tx`select public.delete_sms_template(${templateA})`)
		};
		// Strangers (other_member, non_member) are told the template does not exist; create says forbidden.
		const stranger = { create: 'WS001', update: unknown, deactivate: unknown, delete: unknown };
		const same = { create: expected, update: expected, deactivate: expected, delete: expected };
		expect(results).toEqual(expected === null ? stranger : role === 'anon' ? { create: '42501', update: '42501', deactivate: '42501', delete: '42501' } : same);
	});

	it.each(ROLE_NAMES)('%s cannot write the table directly', async (role) => {
		const results = {
			insert: await writeOutcome(role, async (tx) => {
				await tx`insert into public.sms_templates (organization_id, template_key, name, message_template) values (${w.a}, 'direct', 'D', 'x')`;
			}),
			update: await writeOutcome(role, async (tx) => {
				const r = await tx`update public.sms_templates set usage_count = 0, message_template = 'hacked' where id = ${templateA}`;
				if (r.count > 0) throw Object.assign(new Error('updated'), { code: 'changed' });
			}),
			delete: await writeOutcome(role, async (tx) => {
				const r = await tx`delete from public.sms_templates where id = ${templateA}`;
				if (r.count > 0) throw Object.assign(new Error('deleted'), { code: 'changed' });
			})
		};
		if (role === 'anon') expect(results).toEqual({ insert: '42501', update: '42501', delete: '42501' });
		// RLS: the insert is refused by the policy; update and delete see no row.
		else expect(results).toEqual({ insert: '42501', update: 'ok', delete: 'ok' });
	});

	it('computes the variables, refuses bad input with named errors and a taken key', async () => {
		const id = await create(w.a, 'vars', 'Dear {{ first_name }}, {{order.id}} ships {{when}}; {{first_name}} again');
		const [row] = await t.sql`select template_vars, created_by from public.sms_templates where id = ${id}`;
		expect(row.template_vars).toEqual(['first_name', 'order.id', 'when']);
		expect(row.created_by).toBe(w.people.owner.id);

		const taken = await sqlError(() => asOwner((tx) => tx`select public.create_sms_template(${w.a}, 'vars', 'Again', 'x')`));
		expect(taken.code).toBe('TP003');
		expect(taken.message).toContain('key_taken');
		for (const [key, name, body, type] of [
			['Bad Key', 'n', 'x', 'custom'],
			['ok-key', ' ', 'x', 'custom'],
			['ok-key', 'n', '   ', 'custom'],
			['ok-key', 'n', 'x'.repeat(1601), 'custom'],
			['ok-key', 'n', 'x', 'no_such_type']
		]) {
			const error = await sqlError(() => asOwner((tx) => tx`select public.create_sms_template(${w.a}, ${key}, ${name}, ${body}, ${type})`));
			expect({ key, code: error.code }).toEqual({ key, code: 'TP002' });
		}
		const [{ n }] = await t.sql`select count(*)::int as n from public.sms_templates where template_key = 'ok-key'`;
		expect(n).toBe(0);
	});

	it('the same key lives in two workspaces', async () => {
		const rows = await t.sql`select organization_id from public.sms_templates where template_key = 'reminder' order by organization_id`;
		expect(rows.map((r) => r.organization_id).sort()).toEqual([w.a, w.b].sort());
	});

	it('audits create, edit, deactivate and delete with the admin as actor, but not usage', async () => {
		const [{ since }] = await t.sql`select coalesce(max(id), 0)::int as since from public.audit_log`;
		const [row] = await asRole(t, w, 'admin', (tx) => tx<{ id: string }[]>`
			select public.create_sms_template(${w.a}, 'audited', 'Audited', 'Hello {{name}}') as id`);
		await asRole(t, w, 'admin', (tx) => tx`select public.update_sms_template(${row.id}, 'Audited 2', 'Hello {{name}}!')`);
		await asRole(t, w, 'admin', (tx) => tx`select public.set_sms_template_active(${row.id}, false)`);
		await t.sql`update public.sms_templates set usage_count = usage_count + 1, last_used_at = now() where id = ${row.id}`;
		await asRole(t, w, 'admin', (tx) => tx`select public.delete_sms_template(${row.id})`);
		const audit = await t.sql`select action, actor_id, target_id, after from public.audit_log
			where id > ${since} and organization_id = ${w.a} order by id`;
		expect(audit.map((a) => a.action)).toEqual(['template.created', 'template.updated', 'template.updated', 'template.deleted']);
		expect(new Set(audit.map((a) => a.actor_id))).toEqual(new Set([w.people.admin.id]));
		expect(new Set(audit.map((a) => a.target_id))).toEqual(new Set([row.id]));
		expect(audit[1].after).toMatchObject({ name: 'Audited 2', message_template: 'Hello {{name}}!' });
		expect(audit[2].after).toEqual({ is_active: false });
	});
});

describe('using templates', () => {
	it('queue_sms_message takes the workspace template of that key, counts it and records when', async () => {
		const [{ id }] = await t.sql`select public.queue_sms_message(
			p_user_id => null, p_phone_sealed => null, p_message => 'B says hi',
			p_template_key => 'reminder', p_template_vars => ${t.sql.json({ x: 'hi' })},
			p_contact_id => ${contacts.b1}) as id`;
		const [m] = await t.sql`select template_id from public.sms_messages where id = ${id}`;
		expect(m.template_id).toBe(templateB);
		const [tpl] = await t.sql`select usage_count, last_used_at from public.sms_templates where id = ${templateB}`;
		expect(tpl.usage_count).toBe(1);
		expect(tpl.last_used_at).toBeInstanceOf(Date);
	});

	it('the bulk form picks each row\'s workspace template', async () => {
		const rows = [
			{ contact_id: contacts.a2, message: 'A text', template_key: 'reminder' },
			{ contact_id: contacts.b1, message: 'B text', template_key: 'reminder' }
		];
		const ids = await t.sql<{ id: string }[]>`select public.queue_sms_messages_bulk(${t.sql.json(rows)}) as id`;
		const got = await t.sql`select template_id from public.sms_messages where id in ${t.sql(ids.map((r) => r.id))}
			order by phone_last4`;
		expect(got.map((r) => r.template_id)).toEqual([templateA, templateB]);
	});

	it('a template that scheduled texts wait on cannot be deleted; deactivating it is offered', async () => {
		const id = await create(w.a, 'scheduled-use', 'Later {{x}}');
		await t.sql`select public.queue_sms_message(
			p_user_id => null, p_phone_sealed => null, p_message => 'Later 1',
			p_scheduled_for => now() + interval '1 day', p_template_key => 'scheduled-use', p_contact_id => ${contacts.a3})`;
		const error = await sqlError(() => asOwner((tx) => tx`select public.delete_sms_template(${id})`));
		expect(error.code).toBe('TP004');
		expect(error.message).toMatch(/1 scheduled texts use this template; cancel them or deactivate/);
		const [{ n }] = await t.sql`select count(*)::int as n from public.sms_templates where id = ${id}`;
		expect(n).toBe(1);
	});
});

describe('variable detection parity with templateVariables', () => {
	const cases = [
		'',
		'No variables here',
		'Hi {{name}}',
		'{{a}}{{b}}{{a}}',
		'{{ spaced }} and {{  more  }}',
		'{{user.first_name}} {{user.last}}',
		'{{9bad}} {{-x}} {{ok_1}}',
		'{{a.}} {{.a}} {{a..b}} {{a.b}}',
		'{{{triple}}} {{ nested {{inner}} }}',
		'{name} {{name} {{name}}}',
		'Emoji 🎉 {{emoji_var}} ünïcode {{ümlaut}}',
		'Line\n{{multi}}\nline {{\nnewline\n}}',
		'{{_under}} {{A1}} {{ä}}',
		'{{\u00a0nbsp}} {{\u2003em}} {{\ufeffbom}} {{\u3000ideo}}'
	];
	it.each(cases)('%j', async (body) => {
		const [{ vars }] = await t.sql`select internal.template_variables(${body}) as vars`;
		expect(vars).toEqual(templateVariables(body));
	});
});
