import type { TransactionSql } from '@sms/db';
import type { Recipient } from '$lib/api/v1/schemas/messages';
import { validationProblem } from '$lib/api/v1/problems';
import { ApiProblem } from '../respond.ts';

export interface ResolvedRecipient {
	userId: string | null;
	contactId: string | null;
	externalId: string | null;
	/** null: the user's verified phone (queue_sms_message looks it up). */
	phone: string | null;
}

const fieldProblem = (field: string, message: string, code = 'not_found') =>
	new ApiProblem(validationProblem([{ field, message, code }]));

/**
 * Turns `to` into who queue_sms_message texts, inside the workspace of the key only: a user id
 * must belong to the workspace (a member, or linked from one of its contacts), a contact id
 * must be one of its contacts. `externalId` with details upserts the contact.
 */
export async function resolveRecipient(tx: TransactionSql, organizationId: string, to: Recipient, prefix = 'to'): Promise<ResolvedRecipient> {
	if (to.userId) {
		const [row] = await tx<{ ok: boolean }[]>`
			select exists (select 1 from public.organization_members where organization_id = ${organizationId} and user_id = ${to.userId})
			    or exists (select 1 from public.contacts where organization_id = ${organizationId} and user_id = ${to.userId}) as ok`;
		if (!row.ok) throw fieldProblem(`${prefix}.userId`, 'is not a user of this workspace');
		return { userId: to.userId, contactId: null, externalId: null, phone: null };
	}
	if (to.contactId) {
		const [c] = await tx<{ id: string; phone_number: string; external_id: string | null; user_id: string | null }[]>`
			select id, phone_number, external_id, user_id from public.contacts where organization_id = ${organizationId} and id = ${to.contactId}`;
		if (!c) throw fieldProblem(`${prefix}.contactId`, 'is not a contact of this workspace');
		return { userId: c.user_id, contactId: c.id, externalId: c.external_id, phone: c.phone_number };
	}
	if (to.externalId) {
		if (to.phone !== undefined || to.name !== undefined || to.attributes !== undefined) {
			const c = await upsertContact(tx, organizationId, to.externalId, { name: to.name, phone: to.phone, attributes: to.attributes }, `${prefix}.`);
			if (!c) throw fieldProblem(`${prefix}.phone`, 'is required to create a new contact', 'required');
			return { userId: c.user_id, contactId: c.id, externalId: to.externalId, phone: c.phone_number };
		}
		const [c] = await tx<{ id: string; phone_number: string; user_id: string | null }[]>`
			select id, phone_number, user_id from public.contacts where organization_id = ${organizationId} and external_id = ${to.externalId}`;
		if (!c) throw fieldProblem(`${prefix}.externalId`, 'has no contact in this workspace; include phone (and name) to create it');
		return { userId: c.user_id, contactId: c.id, externalId: to.externalId, phone: c.phone_number };
	}
	// A bare number: the workspace's contact with that number, created when new, so opt-outs,
	// quiet hours and the per-recipient cap apply to it like to everyone else.
	const phone = to.phone as string;
	const [existing] = await tx<{ id: string; user_id: string | null; external_id: string | null }[]>`
		select id, user_id, external_id from public.contacts
		where organization_id = ${organizationId} and phone_number = ${phone}
		order by created_at limit 1`;
	if (existing) return { userId: existing.user_id, contactId: existing.id, externalId: existing.external_id, phone };
	const [created] = await tx<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_number, consent_source, consented_at)
		values (${organizationId}, ${phone}, ${phone}, 'api', now())
		returning id`;
	return { userId: null, contactId: created.id, externalId: null, phone };
}

export interface ContactRow {
	id: string;
	external_id: string;
	name: string | null;
	phone_number: string;
	time_zone: string | null;
	attributes: Record<string, unknown> | null;
	user_id: string | null;
	created_at: Date;
	updated_at: Date;
	inserted: boolean;
}

/** Creates or updates the contact with this external id; null when new and no phone was given. */
export async function upsertContact(
	tx: TransactionSql,
	organizationId: string,
	externalId: string,
	fields: { name?: string; phone?: string; timeZone?: string; attributes?: Record<string, unknown> },
	prefix = ''
): Promise<ContactRow | null> {
	const attrs = fields.attributes === undefined ? null : tx.json(fields.attributes as never);
	if (fields.phone === undefined) {
		const [row] = await tx<ContactRow[]>`
			update public.contacts set
				name = coalesce(${fields.name ?? null}, name),
				time_zone = coalesce(${fields.timeZone ?? null}, time_zone),
				attributes = coalesce(${attrs}::jsonb, attributes),
				updated_at = now()
			where organization_id = ${organizationId} and external_id = ${externalId}
			returning *, false as inserted`;
		return row ?? null;
	}
	const phone: string = fields.phone;
	const write = (sp: TransactionSql) => sp<ContactRow[]>`
		insert into public.contacts (organization_id, external_id, name, phone_number, time_zone, attributes, consent_source, consented_at)
		values (${organizationId}, ${externalId}, ${fields.name ?? externalId}, ${phone}, ${fields.timeZone ?? null},
		        coalesce(${attrs}::jsonb, '{}'::jsonb), 'api', now())
		on conflict (organization_id, external_id) do update set
			name = coalesce(excluded.name, public.contacts.name),
			phone_number = excluded.phone_number,
			time_zone = coalesce(${fields.timeZone ?? null}, public.contacts.time_zone),
			attributes = coalesce(${attrs}::jsonb, public.contacts.attributes),
			updated_at = now()
		returning *, (xmax = 0) as inserted`;
	try {
		// A savepoint, so a refused write leaves the caller's transaction usable (batches).
		const [row] = (await tx.savepoint((sp) => write(sp))) as ContactRow[];
		return row;
	} catch (e) {
		if ((e as { code?: string; constraint_name?: string }).constraint_name === 'contacts_org_phone_key') {
			throw fieldProblem(`${prefix}phone`, 'belongs to another contact of this workspace (with a different externalId)', 'phone_taken');
		}
		throw e;
	}
}
