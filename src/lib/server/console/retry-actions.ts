import { fail, type RequestEvent } from '@sveltejs/kit';
import { retryReasonLabel } from '$lib/console/retry-reasons';
import { workspaceAction } from '../workspaces/actions.ts';
import { MessageFilterError, parseMessageFilters } from './message-filters.ts';
import { retryMessages, retryView } from './retry.ts';
import { viewerTimeZone } from './viewer.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const worded = (skipped: { reason: string; count: number }[]) => skipped.map((s) => ({ ...s, label: retryReasonLabel(s.reason) }));

/** The Retry button of one failed text (form field message_id): operators and up. */
export async function retryOneAction(event: RequestEvent) {
	const form = await event.request.formData();
	const id = String(form.get('message_id') ?? '');
	if (!UUID.test(id)) return fail(400, { action: 'retry', errors: { form: 'That is not a text of this workspace.' } });
	return workspaceAction(event, { action: 'retry', minRole: 'operator' }, async ({ ctx, tx }) => {
		const r = await retryMessages(tx, ctx.organization.id, [id]);
		const reason = r.skipped[0]?.reason ?? null;
		return { messageId: id, retryId: r.retries[0]?.retry_id ?? null, reason, reasonLabel: reason ? retryReasonLabel(reason) : null };
	});
}

/**
 * "Retry all retryable failures in this view" (form field view: the list's query string).
 * dryRun is the confirmation step: how many would be retried, how many skipped and why.
 */
export async function retryViewAction(event: RequestEvent, dryRun: boolean) {
	const action = dryRun ? 'previewRetry' : 'retryAll';
	const form = await event.request.formData();
	const view = new URLSearchParams(String(form.get('view') ?? ''));
	view.delete('cursor');
	return workspaceAction(event, { action, minRole: 'operator' }, async ({ ctx, tx }) => {
		let filters;
		try {
			filters = parseMessageFilters(view, { timeZone: await viewerTimeZone(ctx), defaultCountry: ctx.organization.defaultCountry });
		} catch (e) {
			if (!(e instanceof MessageFilterError)) throw e;
			return fail(400, { action, errors: { form: `${e.message}. Fix the filter, then try again.` } });
		}
		const r = await retryView(tx, ctx.organization.id, filters, dryRun);
		return { view: view.toString(), retried: r.retried, skipped: worded(r.skipped), failed: r.failed, firstRetryId: r.retries[0]?.retry_id ?? null };
	});
}
