import type { TransactionSql } from '@sms/db';
import { eventsOfMessages, userNames } from './delivery-log.ts';
import { NUMBERS_HIDDEN, shownPhone } from '../phones/view.ts';

/** GET /api/sms-delivery-log/[messageId]: one text (an "attempt") and its events, oldest first. */
export interface DeliveryAttempt {
	attempt: {
		id: string;
		recipientId: string | null;
		channel: 'SMS';
		status: string;
		provider: string | null;
		providerRef: string | null;
		startedAt: string;
		/** When it reached a final status (delivered, failed, …); null while in progress. */
		completedAt: string | null;
		recipient: { id: string | null; name: string | null; phone: string };
	};
	events: { id: string; status: string | null; rawStatus: string | null; rawPayload: unknown; receivedAt: string; ip: string | null }[];
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Null when the text is not this workspace's outbound text (the caller answers 404). */
export async function deliveryAttempt(
	tx: TransactionSql,
	organizationId: string,
	messageId: string,
	options: { showNumbers: boolean } = NUMBERS_HIDDEN
): Promise<DeliveryAttempt | null> {
	const [m] = await tx<{ id: string; user_id: string | null; contact_id: string | null; contact_name: string | null; phone_enc: string | null; phone_last4: string | null; status: string; provider: string | null; provider_reference: string | null; started_at: string; completed_at: string | null }[]>`
		select m.id, m.user_id, m.contact_id, ct.name as contact_name, m.phone_enc, m.phone_last4, m.status, m.provider, m.provider_reference,
			${tx.unsafe(iso('m.created_at'))} as started_at,
			case when public.sms_status_is_final(m.status) then ${tx.unsafe(iso('coalesce(m.delivered_at, m.failed_at, m.updated_at)'))} end as completed_at
		from public.sms_messages m
		left join public.contacts ct on ct.id = m.contact_id
		where m.id = ${messageId}::uuid and m.organization_id = ${organizationId}::uuid and m.direction = 'outbound'`;
	if (!m) return null;
	const recipientId = m.contact_id ?? m.user_id;
	const name = m.contact_id ? m.contact_name : m.user_id ? ((await userNames(tx, organizationId, [m.user_id])).get(m.user_id) ?? null) : null;
	const events = (await eventsOfMessages(tx, organizationId, [m.id], options)).get(m.id) ?? [];
	return {
		attempt: {
			id: m.id,
			recipientId,
			channel: 'SMS',
			status: m.status,
			provider: m.provider,
			providerRef: m.provider_reference,
			startedAt: m.started_at,
			completedAt: m.completed_at,
			recipient: { id: recipientId, name, phone: shownPhone(m.phone_enc, m.phone_last4, options.showNumbers) }
		},
		events: events.map((e) => ({ id: e.id, status: e.status, rawStatus: e.rawStatus, rawPayload: e.payload, receivedAt: e.receivedAt, ip: e.ip }))
	};
}
