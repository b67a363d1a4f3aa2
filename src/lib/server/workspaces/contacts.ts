import type { TransactionSql } from '@sms/db';
import type { ContactInput } from './contact-form.ts';
import { likeEscape, type ContactSearch } from './contact-search.ts';

export interface Contact {
	id: string;
	name: string;
	phoneNumber: string;
	timeZone: string | null;
	externalId: string | null;
	tags: string[];
	attributes: Record<string, string>;
	consentSource: string | null;
	consentedAt: string | null;
	createdAt: string;
	updatedAt: string;
}

interface Row {
	id: string;
	name: string;
	phone_number: string;
	time_zone: string | null;
	external_id: string | null;
	tags: string[] | null;
	attributes: Record<string, unknown> | null;
	consent_source: string | null;
	consented_at: Date | null;
	created_at: Date;
	updated_at: Date;
}

function toContact(r: Row): Contact {
	return {
		id: r.id,
		name: r.name,
		phoneNumber: r.phone_number,
		timeZone: r.time_zone,
		externalId: r.external_id,
		tags: r.tags ?? [],
		attributes: Object.fromEntries(Object.entries(r.attributes ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
		consentSource: r.consent_source,
		consentedAt: r.consented_at?.toISOString() ?? null,
		createdAt: r.created_at.toISOString(),
		updatedAt: r.updated_at.toISOString()
	};
}

export const CONTACTS_PAGE_SIZE = 25;

/** One page of contacts, newest first, filtered by name or phone; total is the filtered count. */
export async function listContacts(
	tx: TransactionSql,
	options: { organizationId: string; search: ContactSearch | null; page: number; pageSize?: number }
): Promise<{ contacts: Contact[]; total: number }> {
	const size = options.pageSize ?? CONTACTS_PAGE_SIZE;
	const s = options.search;
	const filter = !s
		? tx``
		: s.name !== null
			? tx`and (c.name ilike ${'%' + likeEscape(s.name) + '%'} or c.external_id = ${s.name})`
			: tx`and (c.phone_number like ${'%' + likeEscape(s.digits ?? '') + '%'} or c.phone_number = ${s.e164 ?? ''})`;
	const [{ total }] = await tx<{ total: number }[]>`
		select count(*)::int as total from public.contacts c where c.organization_id = ${options.organizationId} ${filter}`;
	const rows = await tx<Row[]>`
		select c.id, c.name, c.phone_number, c.time_zone, c.external_id, c.tags, c.attributes, c.consent_source,
			c.consented_at, c.created_at, c.updated_at
		from public.contacts c
		where c.organization_id = ${options.organizationId} ${filter}
		order by c.created_at desc, c.id desc
		limit ${size} offset ${(options.page - 1) * size}`;
	return { contacts: rows.map(toContact), total };
}

export async function getContact(tx: TransactionSql, options: { organizationId: string; id: string }): Promise<Contact | null> {
	if (!/^[0-9a-f-]{36}$/i.test(options.id)) return null;
	const [row] = await tx<Row[]>`
		select id, name, phone_number, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at
		from public.contacts where organization_id = ${options.organizationId} and id = ${options.id}`;
	return row ? toContact(row) : null;
}

export async function insertContact(tx: TransactionSql, options: { organizationId: string; contact: ContactInput }): Promise<Contact> {
	const c = options.contact;
	const [row] = await tx<Row[]>`
		insert into public.contacts (organization_id, name, phone_number, time_zone, external_id, tags, attributes, consent_source, consented_at)
		values (${options.organizationId}, ${c.name}, ${c.phoneNumber}, ${c.timeZone}, ${c.externalId}, ${c.tags}::text[],
			${tx.json(c.attributes)}, ${c.consentSource}, ${c.consentedAt})
		returning id, name, phone_number, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at`;
	return toContact(row);
}

export async function updateContact(
	tx: TransactionSql,
	options: { organizationId: string; id: string; contact: ContactInput }
): Promise<Contact | null> {
	const c = options.contact;
	const [row] = await tx<Row[]>`
		update public.contacts set name = ${c.name}, phone_number = ${c.phoneNumber}, time_zone = ${c.timeZone},
			external_id = ${c.externalId}, tags = ${c.tags}::text[], attributes = ${tx.json(c.attributes)},
			consent_source = ${c.consentSource}, consented_at = ${c.consentedAt}, updated_at = now()
		where organization_id = ${options.organizationId} and id = ${options.id}
		returning id, name, phone_number, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at`;
	return row ? toContact(row) : null;
}

export async function deleteContact(tx: TransactionSql, options: { organizationId: string; id: string }): Promise<Contact | null> {
	const [row] = await tx<Row[]>`
		delete from public.contacts where organization_id = ${options.organizationId} and id = ${options.id}
		returning id, name, phone_number, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at`;
	return row ? toContact(row) : null;
}

/** The short before/after an audit row keeps: what a person would compare. */
export function contactAuditShape(c: Contact | null): Record<string, unknown> | null {
	if (!c) return null;
	return { name: c.name, phone_number: c.phoneNumber, external_id: c.externalId, tags: c.tags, time_zone: c.timeZone, consent_source: c.consentSource };
}
