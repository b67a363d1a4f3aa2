import type { TransactionSql } from '@sms/db';
import type { Contact, PutContactRequest } from '$lib/api/v1/schemas/contacts';
import { problem } from '$lib/api/v1/problems';
import { upsertContact, type ContactRow } from './messages/recipients.ts';
import { ApiProblem } from './respond.ts';

function toContact(r: ContactRow): Contact {
	return {
		id: r.id,
		externalId: r.external_id,
		name: r.name,
		phone: r.phone_number,
		timeZone: r.time_zone,
		attributes: r.attributes ?? {},
		createdAt: r.created_at.toISOString(),
		updatedAt: r.updated_at.toISOString()
	};
}

export async function putContact(
	tx: TransactionSql,
	organizationId: string,
	externalId: string,
	body: PutContactRequest
): Promise<{ contact: Contact; created: boolean }> {
	const row = await upsertContact(tx, organizationId, externalId, body);
	if (!row) throw new Error('upsertContact returned nothing although a phone was given');
	return { contact: toContact(row), created: row.inserted };
}

/**
 * Forgets the contact (forget_contact: a person's right to be forgotten): their data is deleted,
 * their texts are kept without body or number, so counts and costs stay.
 */
export async function deleteContact(tx: TransactionSql, organizationId: string, externalId: string): Promise<void> {
	const [found] = await tx<{ id: string }[]>`
		select id from public.contacts where organization_id = ${organizationId} and external_id = ${externalId} for update`;
	if (!found) throw new ApiProblem(problem('not_found', `There is no contact with externalId ${externalId} in this workspace.`));
	try {
		await tx`select public.forget_contact(${found.id})`;
	} catch (e) {
		if ((e as { code?: string }).code === 'WS023') {
			throw new ApiProblem(problem('contact_busy', 'A text to this contact is being handed to the provider right now; retry in a minute.'));
		}
		throw e;
	}
}
