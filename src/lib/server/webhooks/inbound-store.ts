import { phoneCipher, sealPayload, type Db } from '@sms/db';
import type { KeywordKind } from './keywords.ts';
import { sealE164 } from '../phones/input.ts';
import type { InboundText } from './inbound-report.ts';

export interface StoredInbound {
	messageId: string;
	/** Accounts whose preferences the keyword changed. */
	optOutUserIds: string[];
}

/**
 * Stores the inbound text (record_inbound_sms: once per SID, matched to the number's verified
 * owner) and applies an opt-out/opt-in keyword to the number for every account holding it — in
 * one transaction, so a retry after a failure redoes everything and a half-done STOP cannot exist.
 * A text already stored (same SID) changes nothing.
 */
export async function storeInboundText(options: {
	db: Db;
	text: InboundText;
	keyword: { kind: KeywordKind; keyword: string } | null;
}): Promise<StoredInbound> {
	const { text, keyword } = options;
	return options.db.asService(async (tx) => {
		// A keyword acts once, on the first delivery of its SID. A repeat (a late Twilio retry, or
		// a captured signed request replayed — signatures carry no timestamp) must not re-apply
		// an old START over a newer STOP. Two concurrent first deliveries both apply the same
		// keyword, which is harmless.
		const from = sealE164(text.from);
		const [seen] = await tx`select 1 from public.sms_messages where twilio_sid = ${text.sid}`;
		const [stored] = await tx<{ id: string }[]>`
			select public.record_inbound_sms(
				p_sid => ${text.sid}, p_from => row(${from.enc}, ${from.hash}, ${from.last4}, ${from.callingCode})::public.sealed_phone, p_body => ${text.body},
				p_payload => ${JSON.stringify(sealPayload(phoneCipher(), text.payload))}::text::jsonb
			) as id`;
		let optOutUserIds: string[] = [];
		if (keyword && keyword.kind !== 'help' && !seen) {
			const [result] = await tx<{ result: { user_ids: string[] } }[]>`
				select public.record_phone_opt_out(
					p_phone => row(${from.enc}, ${from.hash}, ${from.last4}, ${from.callingCode})::public.sealed_phone,
					p_opted_out => ${keyword.kind === 'opt_out'},
					p_source => 'keyword',
					p_keyword => ${keyword.keyword}
				) as result`;
			optOutUserIds = result.result.user_ids;
		}
		return { messageId: stored.id, optOutUserIds };
	});
}
