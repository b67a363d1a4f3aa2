/**
 * Arrangements for the provider tests: a workspace whose provider list points at the
 * sandbox's emulated sms-retail and 23telecom, texts to its contacts, and what the sandbox
 * and the database say about them afterwards.
 */
import type { Sql } from '@sms/db';
import { phoneColumns } from '@sms/db/testing';
import type { Sandbox } from '@sms/twilio-sandbox';

export type HttpProvider = 'sms-retail' | '23telecom';
let workspaceCounter = 0;
let contactCounter = 0;

/** A workspace sending through `order` (first tried first), each with a key and a sender. */
export async function createProviderWorkspace(sql: Sql, sandbox: Sandbox, order: readonly ('twilio' | HttpProvider)[]): Promise<string> {
	workspaceCounter++;
	const [org] = await sql<{ id: string }[]>`
		insert into public.organizations (slug, name, contact_daily_limit)
		values (${`providers-${process.pid}-${workspaceCounter}`}, ${`Providers ${workspaceCounter}`}, 10)
		returning id`;
	for (const [i, provider] of order.entries()) {
		const base = provider === 'twilio' ? null : `${sandbox.url}/${provider}`;
		const [row] = await sql<{ id: string }[]>`
			insert into public.workspace_providers (organization_id, provider, position, base_url, sender)
			values (${org.id}, ${provider}, ${i + 1}, ${base}, ${provider === 'twilio' ? null : 'ACME'})
			returning id`;
		if (provider !== 'twilio') {
			await sql`insert into public.workspace_provider_secrets (provider_id, api_key) values (${row.id}, ${`key-${provider}`})`;
		}
	}
	return org.id;
}

/** A fresh contact with a number no magic number of the sandbox uses. */
export function nextContactPhone(): string {
	contactCounter++;
	return `+1555${String((process.pid + 500) % 1000).padStart(3, '0')}${String(contactCounter).padStart(4, '0')}`;
}

/** One text to each of `n` new contacts of the workspace; bodies `${prefix} i`. */
export async function textNewContacts(sql: Sql, organizationId: string, n: number, prefix: string): Promise<{ id: string; body: string; phone: string }[]> {
	const out: { id: string; body: string; phone: string }[] = [];
	for (let i = 0; i < n; i++) {
		const phone = nextContactPhone();
		const [contact] = await sql<{ id: string }[]>`
			insert into public.contacts ${sql({ organization_id: organizationId, name: 'Contact', ...phoneColumns(phone) })} returning id`;
		const body = `${prefix} ${i}`;
		const [row] = await sql<{ id: string }[]>`
			select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => ${body},
			                                p_contact_id => ${contact.id}::uuid) as id`;
		out.push({ id: row.id, body, phone });
	}
	return out;
}

/** Bodies of the texts a provider accepted (repeats of an idempotency key are one text). */
export function providerBodies(sandbox: Sandbox, provider: HttpProvider, prefix: string): string[] {
	return [...sandbox.state.providers[provider].texts.all()].map((t) => t.body).filter((b) => b.startsWith(`${prefix} `));
}

export interface AttemptRow {
	provider: string;
	outcome: string;
	reference: string | null;
	error_kind: string | null;
	error_message: string | null;
}

export function attemptsOf(sql: Sql, messageId: string): Promise<AttemptRow[]> {
	return sql<AttemptRow[]>`
		select provider, outcome, reference, error_kind, error_message
		from public.sms_send_attempts where message_id = ${messageId} order by id`;
}

export interface SentRow {
	id: string;
	status: string;
	provider: string | null;
	provider_reference: string | null;
	daily_slot_date: Date | null;
	job_status: string;
}

export async function sentRows(sql: Sql, ids: string[]): Promise<SentRow[]> {
	return sql<SentRow[]>`
		select m.id, m.status, m.provider, m.provider_reference, m.daily_slot_date, j.status as job_status
		from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
		where m.id = any(${ids}::uuid[])`;
}
