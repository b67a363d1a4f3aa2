import type { TransactionSql } from '@sms/db';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { NUMBERS_HIDDEN, shownPhone } from '../phones/view.ts';

export interface Recipient {
	kind: 'user' | 'contact';
	id: string;
	name: string;
	phone: string | null;
	/** "+1 415 555 0123" */
	phoneDisplay: string | null;
}

export interface RecipientSummary {
	sent: number;
	delivered: number;
	failed: number;
}

export function displayPhone(e164: string | null): string | null {
	if (!e164) return null;
	return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/**
 * A contact of the workspace, or a user who got texts from it; null otherwise (→ 404). The number
 * in full for members allowed to see numbers (`showNumbers`), else its last four digits.
 */
export async function loadRecipient(
	tx: TransactionSql,
	organizationId: string,
	kind: 'user' | 'contact',
	id: string,
	options: { showNumbers: boolean } = NUMBERS_HIDDEN
): Promise<Recipient | null> {
	const shown = (sealed: { phone_enc: string | null; phone_last4: string | null } | undefined) => {
		if (!sealed || (!sealed.phone_enc && !sealed.phone_last4)) return { phone: null, phoneDisplay: null };
		const phone = shownPhone(sealed.phone_enc, sealed.phone_last4, options.showNumbers);
		return { phone, phoneDisplay: options.showNumbers ? displayPhone(phone) : phone };
	};
	if (kind === 'contact') {
		const [c] = await tx<{ name: string; phone_enc: string | null; phone_last4: string | null }[]>`
			select name, phone_enc, phone_last4 from public.contacts where id = ${id}::uuid and organization_id = ${organizationId}::uuid`;
		return c ? { kind, id, name: c.name, ...shown(c) } : null;
	}
	const [u] = await tx<{ email: string }[]>`select email from public.workspace_recipient_users(${organizationId}::uuid, ${[id]}::uuid[])`;
	if (!u) return null;
	const [last] = await tx<{ phone_enc: string | null; phone_last4: string | null }[]>`
		select phone_enc, phone_last4 from public.sms_messages
		where user_id = ${id}::uuid and organization_id = ${organizationId}::uuid and direction = 'outbound'
		order by created_at desc limit 1`;
	return { kind, id, name: u.email, ...shown(last) };
}

/** "3 messages sent • 3 delivered • 0 failed": every text to them from this workspace. */
export async function recipientSummary(tx: TransactionSql, organizationId: string, r: { kind: 'user' | 'contact'; id: string }): Promise<RecipientSummary> {
	const [row] = await tx<{ sent: number; delivered: number; failed: number }[]>`
		select count(*)::int as sent,
			count(*) filter (where public.sms_verdict_kind(status, scheduled_for, now()) = 'delivered')::int as delivered,
			count(*) filter (where public.sms_verdict_kind(status, scheduled_for, now()) = 'failed')::int as failed
		from public.sms_messages
		where organization_id = ${organizationId}::uuid and direction = 'outbound'
			and ${r.kind === 'contact' ? tx`contact_id = ${r.id}::uuid` : tx`user_id = ${r.id}::uuid`}`;
	return row ?? { sent: 0, delivered: 0, failed: 0 };
}
