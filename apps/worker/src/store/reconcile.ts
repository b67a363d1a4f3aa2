import type { Sql } from '@sms/db';
import type { ApplyStatusResult } from '@sms/twilio-service';
import type { MessageStatus } from '../types.ts';

/** The reconciler's calls: which texts to poll Twilio for, and applying what the poll said. */

export interface ReconcileCandidate {
	messageId: string;
	sid: string;
	status: MessageStatus;
}

/** Messages Twilio has not given a final word on (or a price for) after `olderThanSeconds`. */
export async function reconcileCandidates(
	sql: Sql,
	options: { olderThanSeconds: number; giveUpSeconds: number; limit: number }
): Promise<ReconcileCandidate[]> {
	const rows = await sql<{ id: string; twilio_sid: string; status: MessageStatus }[]>`
		select m.id, m.twilio_sid, m.status
		from public.sms_messages m
		where m.twilio_sid is not null
		  and m.direction = 'outbound'
		  and m.created_at > now() - make_interval(secs => ${options.giveUpSeconds})
		  and m.updated_at < now() - make_interval(secs => ${options.olderThanSeconds})
		  and (public.sms_status_phase(m.status) = 'with_provider'
		       or (public.sms_status_awaits_price(m.status) and m.price is null))
		  -- Not polled recently: otherwise the same rows would be fetched every round.
		  and not exists (
		    select 1 from public.sms_delivery_events e
		    where e.message_id = m.id and e.source = 'poll'
		      and e.received_at > now() - make_interval(secs => ${options.olderThanSeconds}))
		order by m.updated_at
		limit ${options.limit}`;
	return rows.map((r) => ({ messageId: r.id, sid: r.twilio_sid, status: r.status }));
}

export interface PolledStatus {
	sid: string;
	status: string;
	errorCode: number | null;
	errorMessage: string | null;
	payload: Record<string, unknown>;
	price: string | null;
	priceUnit: string | null;
}

export async function applyPolledStatus(sql: Sql, options: PolledStatus): Promise<ApplyStatusResult> {
	const [row] = await sql<{ result: ApplyStatusResult }[]>`
		select public.apply_sms_status(${options.sid}, ${options.status}, ${options.errorCode},
		       ${options.errorMessage}, ${sql.json(options.payload as never)}, 'poll', null,
		       ${options.price}::numeric, ${options.priceUnit}) as result`;
	return row.result;
}
