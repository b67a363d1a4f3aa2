import type { TransactionSql } from '@sms/db';
import type { Contact, PutContactRequest } from '$lib/api/v1/schemas/contacts';
import { problem, validationProblem } from '$lib/api/v1/problems';
import { sqlError, sqlIssues } from './messages/sql-errors.ts';
import { ApiProblem } from './respond.ts';
import { sealE164 } from '$lib/server/phones/input';
import { openedPhone } from './phones.ts';

interface ContactRow {
	id: string;
	external_id: string;
	name: string | null;
	/** The number sealed, opened on the way out. */
	phone_enc: string;
	phone_last4: string;
	time_zone: string | null;
	attributes: Record<string, unknown> | null;
	user_id: string | null;
	created_at: Date;
	updated_at: Date;
	inserted: boolean;
}

function toContact(r: ContactRow): Contact {
	return {
		id: r.id,
		externalId: r.external_id,
		name: r.name,
		phone: openedPhone(r.phone_enc, r.phone_last4),
		timeZone: r.time_zone,
		attributes: r.attributes ?? {},
		createdAt: r.created_at.toISOString(),
		updatedAt: r.updated_at.toISOString()
	};
}

/** Creates or updates the contact through public.api_put_contact (the upsert sends use too). */
export async function putContact(
	tx: TransactionSql,
	organizationId: string,
	externalId: string,
	body: PutContactRequest
): Promise<{ contact: Contact; created: boolean }> {
	let row: ContactRow | undefined;
	// Sealed before SQL (E.164 by the schema, so no default country applies).
	const s = sealE164(body.phone);
	try {
		[row] = await tx<ContactRow[]>`
			select * from public.api_put_contact(${organizationId}::uuid, ${externalId}, ${body.name ?? null},
				row(${s.enc}, ${s.hash}, ${s.last4}, ${s.callingCode})::public.sealed_phone,
				${body.timeZone ?? null}, ${body.attributes === undefined ? null : tx.json(body.attributes as never)}::jsonb)`;
	} catch (e) {
		const err = sqlError(e);
		const issues = err && sqlIssues(err);
		if (issues) throw new ApiProblem(validationProblem(issues));
		throw e;
	}
	if (!row) throw new Error('api_put_contact returned nothing although a phone was given');
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
