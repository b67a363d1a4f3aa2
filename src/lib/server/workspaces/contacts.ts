import { phoneCipher, type TransactionSql } from '@sms/db';
import { sealE164 } from '../phones/input.ts';
import { shownPhone } from '../phones/view.ts';
import type { ContactInput } from './contact-form.ts';
import type { ContactSearch } from './contact-search.ts';

export interface Contact {
	id: string;
	/** null for a contact created from a bare number (the API, a campaign row without a name). */
	name: string | null;
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
	name: string | null;
	phone_enc: string;
	phone_last4: string;
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
		// Opened here; the pages mask it for members who may not see numbers (shownClearPhone).
		phoneNumber: shownPhone(r.phone_enc, r.phone_last4, true),
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

/** Where a page of contacts starts: after this (lower(name), id). */
export interface ContactCursor {
	name: string;
	id: string;
}

export function encodeContactCursor(c: ContactCursor): string {
	return Buffer.from(JSON.stringify([c.name, c.id])).toString('base64url');
}

export function decodeContactCursor(value: string | null): ContactCursor | null {
	if (!value || value.length > 600) return null;
	try {
		const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString());
		if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && /^[0-9a-f-]{36}$/i.test(parsed[1])) {
			return { name: parsed[0], id: parsed[1] };
		}
	} catch {
		// not a cursor of ours
	}
	return null;
}

/**
 * One page of contacts in name order, through search_contacts (the one place that decides what
 * matches). A number typed in the workspace's national format is sent as its E.164 form, so
 * "07911 123456" in a UK workspace finds +447911123456 although the trunk 0 is not stored.
 */
export async function listContacts(
	tx: TransactionSql,
	options: { organizationId: string; search: ContactSearch | null; tag: string | null; after: ContactCursor | null; pageSize?: number }
): Promise<{ contacts: Contact[]; next: string | null }> {
	const size = options.pageSize ?? CONTACTS_PAGE_SIZE;
	const s = options.search;
	const query = !s ? null : (s.name ?? s.e164 ?? s.digits);
	const rows = await tx<Row[]>`
		select id, name, phone_enc, phone_last4, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at
		from public.search_contacts(
			p_organization_id => ${options.organizationId}::uuid,
			p_query => ${query},
			p_tag => ${options.tag},
			p_after_name => ${options.after?.name ?? null},
			p_after_id => ${options.after?.id ?? null}::uuid,
			p_limit => ${size + 1},
			p_phone_hash => ${s?.e164 ? phoneCipher().blindIndex(s.e164) : null})`;
	const page = rows.slice(0, size).map(toContact);
	const last = page[page.length - 1];
	return { contacts: page, next: rows.length > size && last ? encodeContactCursor({ name: last.name ?? '', id: last.id }) : null };
}

export async function getContact(tx: TransactionSql, options: { organizationId: string; id: string }): Promise<Contact | null> {
	if (!/^[0-9a-f-]{36}$/i.test(options.id)) return null;
	const [row] = await tx<Row[]>`
		select id, name, phone_enc, phone_last4, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at
		from public.contacts where organization_id = ${options.organizationId} and id = ${options.id}`;
	return row ? toContact(row) : null;
}

export async function insertContact(tx: TransactionSql, options: { organizationId: string; contact: ContactInput }): Promise<Contact> {
	const c = options.contact;
	const p = sealE164(c.phoneNumber);
	const [row] = await tx<Row[]>`
		insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code, time_zone, external_id, tags, attributes, consent_source, consented_at)
		values (${options.organizationId}, ${c.name}, ${p.enc}, ${p.hash}, ${p.last4}, ${p.callingCode}, ${c.timeZone}, ${c.externalId}, ${c.tags}::text[],
			${tx.json(c.attributes)}, ${c.consentSource}, ${c.consentedAt})
		returning id, name, phone_enc, phone_last4, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at`;
	return toContact(row);
}

export async function updateContact(
	tx: TransactionSql,
	options: { organizationId: string; id: string; contact: ContactInput }
): Promise<Contact | null> {
	const c = options.contact;
	const p = sealE164(c.phoneNumber);
	// The same number keeps its stored ciphertext (the audit row then shows no phone change).
	const [row] = await tx<Row[]>`
		update public.contacts set name = ${c.name},
			phone_enc = case when phone_hash = ${p.hash} then phone_enc else ${p.enc} end,
			phone_hash = ${p.hash}, phone_last4 = ${p.last4}, calling_code = ${p.callingCode}, time_zone = ${c.timeZone},
			external_id = ${c.externalId}, tags = ${c.tags}::text[], attributes = ${tx.json(c.attributes)},
			consent_source = ${c.consentSource}, consented_at = ${c.consentedAt}
		where organization_id = ${options.organizationId} and id = ${options.id}
		returning id, name, phone_enc, phone_last4, time_zone, external_id, tags, attributes, consent_source, consented_at, created_at, updated_at`;
	return row ? toContact(row) : null;
}

/** What forgetting a contact did: its texts kept (redacted), those canceled before sending. */
export interface Forgotten {
	contact: Contact;
	texts: number;
	canceled: number;
}

/**
 * Forgets a contact (forget_contact, admins and up): the person's data is deleted and their
 * texts are kept without body or number, so statistics and costs stay. Null when the contact
 * is not in this workspace.
 */
export async function forgetContact(tx: TransactionSql, options: { organizationId: string; id: string }): Promise<Forgotten | null> {
	const contact = await getContact(tx, options);
	if (!contact) return null;
	const [{ r }] = await tx<{ r: { texts: number; canceled: number } }[]>`select public.forget_contact(${contact.id}) as r`;
	return { contact, texts: r.texts, canceled: r.canceled };
}

/** How many texts a contact has (what forgetting them keeps, redacted). */
export async function countContactTexts(tx: TransactionSql, options: { organizationId: string; id: string }): Promise<number> {
	const [{ n }] = await tx<{ n: number }[]>`
		select count(*)::int as n from public.sms_messages where organization_id = ${options.organizationId} and contact_id = ${options.id}`;
	return n;
}
