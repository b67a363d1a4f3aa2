/**
 * Where phone numbers are stored sealed, for the Node steps that need to reach every one of
 * them: the migration's encryption of rows written in clear before it (phone-backfill.ts) and
 * key rotation (phone-rotate.ts). Adding a table that stores a number means adding it here.
 */
import type { Sql } from './client.ts';

export interface SealedColumn {
	/** schema-qualified table */
	table: string;
	/** primary key column and its SQL type (batches walk it in order) */
	id: string;
	idType: 'bigint' | 'uuid' | 'text';
	/** the column the number was stored in clear before the migration (dropped after it) */
	plain: string;
	enc: string;
	hash: string | null;
	last4: string | null;
	/**
	 * A column for the country calling code, set by the backfill from the clear value
	 * (public.e164_calling_code) — SQL cannot derive it once the number is sealed.
	 */
	callingCode?: string | null;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
	{ table: 'public.phone_verifications', id: 'id', idType: 'bigint', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4' },
	// The send path (20261204100000/100100): these five move together (numbers are compared across them).
	{ table: 'public.user_sms_preferences', id: 'user_id', idType: 'uuid', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4', callingCode: 'calling_code' },
	{ table: 'public.sms_phone_opt_outs', id: 'id', idType: 'bigint', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4' },
	{ table: 'public.contacts', id: 'id', idType: 'uuid', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4', callingCode: 'calling_code' },
	{ table: 'public.sms_campaign_recipients', id: 'id', idType: 'bigint', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4', callingCode: 'calling_code' },
	{ table: 'public.sms_messages', id: 'id', idType: 'uuid', plain: 'phone_number', enc: 'phone_enc', hash: 'phone_hash', last4: 'phone_last4', callingCode: 'calling_code' }
];

/** Raw provider payloads whose number fields are sealed (phone-payload.ts). */
export const SEALED_PAYLOADS: readonly { table: string; id: string; column: string }[] = [
	{ table: 'public.sms_delivery_events', id: 'id', column: 'payload' }
];

/** Which of `columns` exist in this database (a column is added, and its clear twin dropped, by migrations). */
export async function existingColumns(sql: Sql, table: string, columns: (string | null)[]): Promise<Set<string>> {
	const [schema, name] = table.split('.');
	const rows = await sql<{ column_name: string }[]>`
		select column_name from information_schema.columns
		 where table_schema = ${schema} and table_name = ${name} and column_name = any(${columns.filter((c): c is string => c !== null)})`;
	return new Set(rows.map((r) => r.column_name));
}
