import type { Sql } from '@sms/db';
import type { DeliveryStatus, ProviderId } from '@sms/providers';
import type { JobRef } from './outcomes.ts';

/** Storing what a provider answered (its reference, status, price) and completing the job. */

export interface SendResultRow {
	provider: ProviderId;
	/** The provider's reference (Twilio's SID). */
	reference: string;
	/** The provider's status word, as it wrote it. */
	providerStatus: string | null;
	/** The same, normalised (the HTTP providers' attach needs it; Twilio's attach normalises itself). */
	status: DeliveryStatus;
	segments: number | null;
	encoding: string | null;
	price: string | null;
	priceUnit: string | null;
}

/**
 * Stores many Twilio answers and completes their jobs in one transaction. Asynchronous
 * commit is safe here: if Postgres lost this commit in a crash, the messages would be
 * `dispatching` again and the recovery lookup would find them at Twilio.
 */
export async function attachAndCompleteMany(
	sql: Sql,
	items: { jobId: string; messageId: string; result: SendResultRow }[],
	workerId: string
): Promise<void> {
	// In (provider, reference) order: the attach takes the reference's lock first, as the
	// webhooks' writers do in the same order, so an attach batch and a callback batch cannot deadlock.
	const key = (i: { result: SendResultRow }) => `${i.result.provider}\u0000${i.result.reference}`;
	const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
	await sql.begin(async (tx) => {
		await tx`set local synchronous_commit = off`;
		await tx`
			select public.sms_attach_dispatched(r.message_id, r.provider, r.reference, r.provider_status, r.status,
			                                    r.segments, r.encoding, r.price, r.price_unit, 'accepted')
			from (
			  select * from unnest(
			    ${sorted.map((i) => i.messageId)}::uuid[], ${sorted.map((i) => i.result.provider)}::text[],
			    ${sorted.map((i) => i.result.reference)}::text[],
			    ${sorted.map((i) => i.result.providerStatus)}::text[], ${sorted.map((i) => i.result.status)}::text[],
			    ${sorted.map((i) => i.result.segments)}::int[],
			    ${sorted.map((i) => i.result.encoding)}::text[], ${sorted.map((i) => i.result.price)}::numeric[],
			    ${sorted.map((i) => i.result.priceUnit)}::text[])
			    as u(message_id, provider, reference, provider_status, status, segments, encoding, price, price_unit)
			  order by u.provider, u.reference
			  offset 0
			) r`;
		await tx`select public.complete_jobs(${sorted.map((i) => i.jobId)}::uuid[], ${workerId})`;
	});
}

/** Stores what a recovery lookup found at the provider (applying any report that raced ahead) and completes the job. */
export async function attachAndComplete(sql: Sql, options: JobRef & { result: SendResultRow }): Promise<void> {
	const r = options.result;
	await sql`
		select public.sms_attach_dispatched(${options.messageId}, ${r.provider}, ${r.reference}, ${r.providerStatus},
		                                    ${r.status}, ${r.segments}, ${r.encoding}, ${r.price}::numeric, ${r.priceUnit}, 'found'),
		       public.complete_job(${options.jobId}, ${options.workerId})`;
}
