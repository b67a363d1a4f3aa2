/**
 * queue_sms_message renders templates in the database (internal.render_template) the way
 * twilio-service's renderTemplate does: the same text for every case, the same missing
 * variables (TP005) and undeclared ones (TP006); and a failed render writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate, TemplateError, type TemplateVars } from '@sms/twilio-service';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { phoneHash, phoneValues, sqlError } from './fixtures.ts';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

type Case = [body: string, vars: TemplateVars, declared?: string[]];
const cases: Case[] = [
	['Hi {{name}}', { name: 'Ada' }],
	['Hi {{ name }}, {{name}} again', { name: 'Ada' }],
	['{{a}}{{b}}{{a}}', { a: 'x', b: 'y' }],
	['No variables', {}],
	['No variables', { extra: 'ignored' }],
	['Value looks like a placeholder: {{v}}', { v: '{{w}}', w: 'NO' }],
	['Numbers {{i}} {{d}} {{neg}} {{zero}} {{big}}', { i: 42, d: 1.5, neg: -3.25, zero: 0, big: 123456789012345 }],
	['Booleans {{t}} {{f}}', { t: true, f: false }],
	['Spaces kept: {{s}}', { s: '  padded  ' }],
	['Dotted {{user.first_name}}', { 'user.first_name': 'Grace' }],
	['Unicode {{e}} ✓', { e: '🎉 “curly” ünï' }],
	['Multi\nline {{x}}\n', { x: 'a\nb' }],
	['{{{triple}}}', { triple: 'T' }],
	['Odd spaces {{\u00a0name\u2003}} {{\tname}}', { name: 'N' }],
	['Dollar {{d}} and backslash {{b}}', { d: '$1 $&', b: '\\1 \\' }],
	['Missing {{a}} and {{b}}', { a: 'ok' }],
	['Null {{a}}', { a: null }],
	['Blank {{a}}', { a: '   ' }],
	['NBSP blank {{a}}', { a: '\u00a0\ufeff\u3000' }],
	['Tab blank {{a}}', { a: '\t\n' }],
	['Declared but unused', {}, ['name']],
	['Declared {{name}}', { name: 'x' }, ['name']],
	['Undeclared {{other}}', { other: 'x' }, ['name']],
	['Undeclared {{other}} and missing', { other: 'x', name: 'y' }, ['name']]
];

function expected(body: string, vars: TemplateVars, declared?: string[]): { text?: string; code?: string; names?: string[] } {
	try {
		return { text: renderTemplate(body, vars, declared ? { requiredVars: declared } : {}).text };
	} catch (error) {
		if (!(error instanceof TemplateError)) throw error;
		const names = error.code === 'missing_variables' ? error.missing : error.unexpected;
		return { code: error.code === 'missing_variables' ? 'TP005' : 'TP006', names };
	}
}

async function actual(body: string, vars: TemplateVars, declared?: string[]): Promise<{ text?: string; code?: string; names?: string[] }> {
	try {
		const [row] = await t.sql`select internal.render_template(${body}, ${t.sql.json(vars)}, ${declared ?? null}::text[]) as text`;
		return { text: row.text };
	} catch (error) {
		const e = error as { code: string; message: string };
		return { code: e.code, names: e.message.split(': ').at(-1)?.split(', ') };
	}
}

describe('internal.render_template matches renderTemplate', () => {
	it.each(cases)('%j with %j', async (body, vars, declared) => {
		expect(await actual(body, vars, declared)).toEqual(expected(body, vars, declared));
	});

	it('refuses numbers String() would write differently, and objects, asking for strings', async () => {
		for (const v of [1e21, 1e-7, 0.1234567890123456, { a: 1 }, [1, 2]]) {
			const result = await actual('X {{v}}', { v } as unknown as TemplateVars);
			expect({ v, code: result.code }).toEqual({ v, code: 'TP005' });
		}
	});
});

describe('queue_sms_message with a template and no body', () => {
	beforeAll(async () => {
		const [org] = await t.sql`insert into public.organizations (slug, name) values ('render', 'Render') returning id`;
		await t.sql`insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code) values (${org.id}, 'Ada', ${phoneValues(t.sql, '+14155550199')})`;
		await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars)
			values (${org.id}, 'appt', 'Appointment', 'Hi {{name}}, your appointment is {{when}}.', '["name", "when"]')`;
	});
	const contactId = async () => (await t.sql`select id from public.contacts where phone_hash = ${phoneHash('+14155550199')}`)[0].id as string;

	it('renders the text in the database', async () => {
		const [{ id }] = await t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => null,
			p_template_key => 'appt', p_template_vars => ${t.sql.json({ name: 'Ada', when: 'at 3pm' })},
			p_contact_id => ${await contactId()}) as id`;
		const [m] = await t.sql`select message_content, template_key from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ message_content: 'Hi Ada, your appointment is at 3pm.', template_key: 'appt' });
	});

	it('a missing variable is TP005 naming it, and writes no text, job or usage', async () => {
		const before = await t.sql`select (select count(*)::int from public.sms_messages) as m, (select count(*)::int from public.queue_jobs) as j,
			(select usage_count from public.sms_templates where template_key = 'appt') as u`;
		const error = await sqlError(async () => t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => null,
			p_template_key => 'appt', p_template_vars => ${t.sql.json({ name: 'Ada' })}, p_contact_id => ${await contactId()})`);
		expect(error).toEqual({ code: 'TP005', message: 'missing_variables: the template needs a value for: when' });
		const after = await t.sql`select (select count(*)::int from public.sms_messages) as m, (select count(*)::int from public.queue_jobs) as j,
			(select usage_count from public.sms_templates where template_key = 'appt') as u`;
		expect(after).toEqual(before);
	});

	it('without a template or a body it is still empty_body (SM001)', async () => {
		const error = await sqlError(async () => t.sql`select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => null,
			p_contact_id => ${await contactId()})`);
		expect(error.code).toBe('SM001');
	});
});
