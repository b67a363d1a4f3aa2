import type { TransactionSql } from '@sms/db';
import { NUMBERS_HIDDEN, shownPhone } from '../../phones/view.ts';

export interface CampaignMessage {
	id: string;
	to: string;
	status: string;
	statusReason: string | null;
	errorCode: number | null;
	recipient: { kind: 'user' | 'contact'; id: string } | null;
	updatedAt: string;
	/** Our estimate when it was queued, and Twilio's price once it reports one (positive). */
	estimatedCost: number | null;
	price: number | null;
	priceUnit: string | null;
}

export interface CampaignCost {
	/** By destination calling code: texts, the estimates at queue time, and Twilio's prices where known. */
	byCallingCode: { callingCode: string; texts: number; estimated: number; actual: number; priced: number }[];
	estimated: number;
	actual: number;
	priced: number;
	texts: number;
}

export const RECENT_MESSAGES = 20;

/**
 * The campaign's latest texts (the overview's "recent messages"), newest change first; numbers in
 * full only with `showNumbers` (operators and up), else the last four digits.
 */
export async function recentCampaignMessages(
	tx: TransactionSql,
	campaignId: string,
	status: string | null,
	options: { showNumbers: boolean } = NUMBERS_HIDDEN
): Promise<CampaignMessage[]> {
	const rows = await tx<
		{ id: string; phone_enc: string | null; phone_last4: string | null; status: string; status_reason: string | null; error_code: number | null; user_id: string | null; contact_id: string | null; updated_at: Date; estimated_cost: string | null; price: string | null; price_unit: string | null }[]
	>`
		select id, phone_enc, phone_last4, status, status_reason, error_code, user_id, contact_id, updated_at,
			estimated_cost::text as estimated_cost, abs(price)::text as price, price_unit
		from public.sms_messages
		where campaign_id = ${campaignId} ${status ? tx`and status = ${status}` : tx``}
		order by updated_at desc, id desc
		limit ${RECENT_MESSAGES}`;
	return rows.map((r) => ({
		id: r.id,
		to: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers),
		status: r.status,
		statusReason: r.status_reason,
		errorCode: r.error_code,
		recipient: r.contact_id ? { kind: 'contact', id: r.contact_id } : r.user_id ? { kind: 'user', id: r.user_id } : null,
		updatedAt: r.updated_at.toISOString(),
		estimatedCost: r.estimated_cost === null ? null : Number(r.estimated_cost),
		price: r.price === null ? null : Number(r.price),
		priceUnit: r.price_unit
	}));
}

/** Estimate at queue time beside Twilio's actual price, for the campaign's texts handed to the provider. */
export async function campaignCost(tx: TransactionSql, campaignId: string): Promise<CampaignCost> {
	const rows = await tx<{ calling_code: string | null; texts: number; estimated: string; actual: string; priced: number }[]>`
		select calling_code, count(*)::integer as texts,
			coalesce(sum(estimated_cost), 0)::text as estimated, coalesce(sum(abs(price)), 0)::text as actual,
			count(price)::integer as priced
		from public.sms_messages
		where campaign_id = ${campaignId} and public.sms_status_phase(status) in ('dispatching', 'with_provider', 'delivered', 'failed')
		group by 1 order by 2 desc`;
	const byCallingCode = rows.map((r) => ({ callingCode: r.calling_code ?? '?', texts: r.texts, estimated: Number(r.estimated), actual: Number(r.actual), priced: r.priced }));
	return {
		byCallingCode,
		texts: byCallingCode.reduce((s, r) => s + r.texts, 0),
		estimated: byCallingCode.reduce((s, r) => s + r.estimated, 0),
		actual: byCallingCode.reduce((s, r) => s + r.actual, 0),
		priced: byCallingCode.reduce((s, r) => s + r.priced, 0)
	};
}
