import type { Db } from '@sms/db';
import type { KeywordKind } from './keywords.ts';
import type { InboundText } from './inbound-report.ts';

export interface StoredInbound {
	/** Null when Twilio retried a text we already stored. */
	messageId: string | null;
	userId: string | null;
}

/**
 * Stores the inbound text (once per SID: Twilio retries are no-ops), keeps the raw payload in
 * the event log, and applies an opt-out/opt-in keyword to the number — all in one transaction,
 * so a retried request after a failure redoes everything.
 */
export async function storeInboundText(options: {
	db: Db;
	text: InboundText;
	keyword: { kind: KeywordKind; keyword: string } | null;
	senderIp: string | null;
}): Promise<StoredInbound> {
	const { text, keyword } = options;
	return options.db.asService(async (tx) => {
		// Only the verified owner sees a reply in their history; nobody else holding the number.
		const rows = await tx<{ id: string; user_id: string | null }[]>`
			insert into public.sms_messages
				(user_id, direction, phone_number, message_content, status, provider_status, twilio_sid)
			select
				(select p.user_id from public.user_sms_preferences p
				 where p.phone_number = ${text.from} and p.phone_verified limit 1),
				'inbound', ${text.from}, ${text.body}, 'received', 'received', ${text.sid}
			on conflict (twilio_sid) do nothing
			returning id, user_id`;
		const stored = rows[0] ?? null;
		if (stored) {
			await tx`
				insert into public.sms_delivery_events
					(message_id, twilio_sid, raw_status, status, payload, source, sender_ip, applied)
				values (${stored.id}, ${text.sid}, 'received', 'received', ${tx.json(text.payload)}::jsonb,
					'webhook', ${options.senderIp}::inet, true)`;
		}
		if (keyword && keyword.kind !== 'help') {
			await tx`
				select public.record_phone_opt_out(
					p_phone_number => ${text.from},
					p_opted_out => ${keyword.kind === 'opt_out'},
					p_source => 'keyword',
					p_keyword => ${keyword.keyword}
				)`;
		}
		return { messageId: stored?.id ?? null, userId: stored?.user_id ?? null };
	});
}
