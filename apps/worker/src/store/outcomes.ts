import { phoneCipher, type Sql } from '@sms/db';
import { callingCodeOf } from '@sms/twilio-service/validate';

/**
 * A text's end (or pause) and its job's settlement in ONE statement, so the message and the
 * queue never disagree: suppressed, deferred, retried later, failed, held for review.
 */

export interface JobRef {
	jobId: string;
	workerId: string;
	messageId: string;
}

/** Suppress the message and complete its job, atomically (one statement). */
export async function suppress(sql: Sql, options: JobRef & { reason: string }): Promise<void> {
	await sql`
		select public.mark_sms_suppressed(${options.messageId}, ${options.reason}),
		       public.complete_job(${options.jobId}, ${options.workerId})`;
}

/** Show the message as scheduled (until, why) and move its job's run_at there. */
export async function defer(sql: Sql, options: JobRef & { until: Date; reason: string }): Promise<void> {
	await sql`
		select public.mark_sms_scheduled(${options.messageId}, ${options.until}, ${options.reason}),
		       public.reschedule_job(${options.jobId}, ${options.workerId}, ${options.until})`;
}

/**
 * Twilio certainly did not take the text: the message shows `scheduled` (why, until when)
 * and the job runs again at runAt, the attempt counted.
 */
export async function retryLater(sql: Sql, options: JobRef & { runAt: Date; reason: string; error: string }): Promise<void> {
	await sql`
		select public.mark_sms_scheduled(${options.messageId}, ${options.runAt}, ${options.reason}),
		       public.retry_job(${options.jobId}, ${options.workerId}, ${options.error}, ${options.runAt})`;
}

/** A permanent failure: the message shows `failed` with Twilio's code, the job is dead-lettered. */
export async function failMessage(
	sql: Sql,
	options: JobRef & { errorCode: number | null; errorMessage: string; jobError: string }
): Promise<void> {
	await sql`
		select public.mark_sms_failed(${options.messageId}, ${options.errorCode}, ${options.errorMessage}),
		       public.fail_job(${options.jobId}, ${options.workerId}, ${options.jobError})`;
}

/** Several identical texts at Twilio: keep the text `dispatching`, say why, dead-letter the job. */
export async function holdForReview(sql: Sql, options: JobRef & { candidates: string[]; error: string }): Promise<void> {
	await sql`
		select public.sms_hold_for_review(${options.messageId}, ${options.candidates}::text[]),
		       public.fail_job(${options.jobId}, ${options.workerId}, ${options.error})`;
}

/** Where a STOP recorded by the worker came from: Twilio's 21610, or an HTTP provider's opted-out refusal. */
export type OptOutSource = 'twilio_21610' | 'provider_opt_out';

/** Records a STOP for the number (opened from the text's sealed columns): sealed again here, never sent to SQL in clear. */
export async function recordOptOut(sql: Sql, phoneNumber: string, source: OptOutSource): Promise<void> {
	const s = phoneCipher().seal(phoneNumber);
	await sql`
		select public.record_phone_opt_out(
		  row(${s.enc}::text, ${s.hash}::text, ${s.last4}::text, ${callingCodeOf(phoneNumber)}::text)::public.sealed_phone,
		  true, ${source}, null)`;
}
