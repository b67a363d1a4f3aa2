/**
 * Why a failed text is not retried, in words: the keys come from the database's one rule
 * (internal.sms_retry_problem, migration 20261202010000); the unit test checks every key.
 */
export const RETRY_REASONS = {
	not_failed: 'did not fail',
	already_retried: 'already retried (retry the newer text instead)',
	opted_out: 'opted out — the number replied STOP',
	unknown_number: 'not retryable: unknown or invalid number',
	landline: 'not retryable: landline or not a mobile number',
	unreachable_number: 'not retryable: the number cannot receive texts',
	blocked_number: 'not retryable: blocked by the carrier or the recipient',
	content_refused: 'not retryable: the carrier refused the content (change the message)',
	not_found: 'not in this workspace any more',
	cannot_queue: 'could not be queued again (the number or the text type changed)'
} as const;

export type RetryReason = keyof typeof RETRY_REASONS;

export function retryReasonLabel(reason: string): string {
	return (RETRY_REASONS as Record<string, string>)[reason] ?? reason.replaceAll('_', ' ');
}

/** At most this many texts per "retry all" (the SQL function refuses more). */
export const RETRY_LIMIT = 10_000;
