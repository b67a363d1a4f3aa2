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

/**
 * JSON documents that carry numbers among other things; each number (or the value holding it)
 * is stored sealed, under the same keys as the columns above, so rotation re-encrypts it.
 */
export interface SealedPayload {
	table: string;
	id: string;
	idType: 'bigint' | 'uuid';
	/** jsonb columns, rewritten together */
	columns: readonly string[];
	/** How a clear value is sealed: phone-payload.ts, phone-audit.ts, phone-import-report.ts. */
	kind: 'provider_payload' | 'audit' | 'import_report';
	/**
	 * How rows are rewritten: a compare-and-set UPDATE, or (the append-only audit log) through
	 * internal.reseal_audit_phones, which lets only numbers change (20261205100000).
	 */
	write: 'update' | 'audit_reseal';
	/**
	 * SQL condition on `t` for a row that still holds something in clear: the seal step looks at
	 * those rows only, and the count of them is the seal-phones migrations' precondition. Without
	 * one, every row is read (and only changed ones written).
	 */
	clear?: string;
	/** SQL functions the condition or the writes need (older schemas lack them: the payload is skipped there). */
	requires?: readonly string[];
}

/**
 * Keys of an audit before/after that hold a workspace's own sender numbers
 * (organizations.from_number, workspace_providers.sender): public by nature, like those columns
 * (CLEAR_BY_DESIGN in the plaintext scan), and left as they are. internal.audit_text_in_clear
 * (20261205100000) skips the same keys.
 */
export const AUDIT_CLEAR_BY_DESIGN_KEYS: readonly string[] = ['from_number', 'sender'];

export const SEALED_PAYLOADS: readonly SealedPayload[] = [
	// Raw provider payloads (the delivery log): their To/From fields.
	{ table: 'public.sms_delivery_events', id: 'id', idType: 'bigint', columns: ['payload'], kind: 'provider_payload', write: 'update' },
	// The audit history: contact rows written before the send path was sealed hold `phone_number`
	// in clear (20261205100100 seals them); rows since hold the contact's `phone_enc`.
	{
		table: 'public.audit_log',
		id: 'id',
		idType: 'bigint',
		columns: ['before', 'after'],
		kind: 'audit',
		write: 'audit_reseal',
		clear: '(internal.audit_text_in_clear(t.before) or internal.audit_text_in_clear(t.after))',
		requires: ['internal.reseal_audit_phones(jsonb)', 'internal.audit_text_in_clear(jsonb)']
	},
	// Campaign uploads' reports: the cells of rejected and duplicate rows, as typed.
	{
		table: 'public.sms_campaign_imports',
		id: 'id',
		idType: 'uuid',
		columns: ['report'],
		kind: 'import_report',
		write: 'update',
		clear: 'internal.import_report_in_clear(t.report)',
		requires: ['internal.import_report_in_clear(jsonb)']
	}
];

/** Which of `columns` exist in this database (a column is added, and its clear twin dropped, by migrations). */
export async function existingColumns(sql: Sql, table: string, columns: (string | null)[]): Promise<Set<string>> {
	const [schema, name] = table.split('.');
	const rows = await sql<{ column_name: string }[]>`
		select column_name from information_schema.columns
		 where table_schema = ${schema} and table_name = ${name} and column_name = any(${columns.filter((c): c is string => c !== null)})`;
	return new Set(rows.map((r) => r.column_name));
}
