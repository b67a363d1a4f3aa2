import type { TransactionSql } from '@sms/db';
import { RETRY_LIMIT } from '$lib/console/retry-reasons';
import type { MessageFilters } from './message-filters.ts';
import { countMessages, messageWhere, type MessageTotal } from './messages.ts';

export interface RetryResult {
	retried: number;
	skipped: { reason: string; count: number }[];
	retries: { id: string; retry_id: string }[];
}

export interface ViewRetryResult extends RetryResult {
	/** Failed texts in the view; more than RETRY_LIMIT means only the newest RETRY_LIMIT were covered. */
	failed: MessageTotal;
}

/** Which of these texts can be retried (null) and why not; ids not in the workspace are absent. */
export async function retryCheck(tx: TransactionSql, organizationId: string, ids: string[]): Promise<Map<string, string | null>> {
	if (ids.length === 0) return new Map();
	const rows = await tx<{ message_id: string; reason: string | null }[]>`
		select message_id, reason from public.sms_retry_check(${organizationId}::uuid, ${ids}::uuid[])`;
	return new Map(rows.map((r) => [r.message_id, r.reason]));
}

/** Retries these texts (as the signed-in member: operators and up, checked in SQL). */
export async function retryMessages(tx: TransactionSql, organizationId: string, ids: string[], dryRun = false): Promise<RetryResult> {
	const [row] = await tx<{ r: RetryResult }[]>`
		select public.retry_sms_messages(${organizationId}::uuid, ${ids}::uuid[], ${dryRun}) as r`;
	return row!.r;
}

/**
 * "Retry all retryable failures in this view": the view's failed texts (newest first, at most
 * RETRY_LIMIT) selected with the message list's own filters, retried in one SQL call.
 */
export async function retryView(tx: TransactionSql, organizationId: string, view: MessageFilters, dryRun: boolean): Promise<ViewRetryResult> {
	if (view.verdict !== null && view.verdict !== 'failed') {
		return { retried: 0, skipped: [], retries: [], failed: { value: 0, exact: true } };
	}
	const f: MessageFilters = { ...view, verdict: 'failed', cursor: null };
	const { where } = await messageWhere(tx, organizationId, f);
	const failed = await countMessages(tx, organizationId, f);
	const [row] = await tx<{ r: RetryResult }[]>`
		select public.retry_sms_messages(${organizationId}::uuid, array(
			select m.id from public.sms_messages m where ${where}
			order by m.created_at desc, m.id desc limit ${RETRY_LIMIT}
		), ${dryRun}) as r`;
	return { ...row!.r, failed };
}

/** The texts that retried this one (newest first), for the message page's link. */
export async function retriesOf(tx: TransactionSql, organizationId: string, id: string): Promise<{ id: string; status: string }[]> {
	return tx<{ id: string; status: string }[]>`
		select id, status from public.sms_messages
		where retry_of = ${id}::uuid and organization_id = ${organizationId}::uuid
		order by created_at desc`;
}
