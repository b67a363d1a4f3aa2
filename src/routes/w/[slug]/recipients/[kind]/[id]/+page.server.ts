import { error } from '@sveltejs/kit';
import { explainError } from '@sms/twilio-service';
import { db } from '$lib/server/db';
import { formatTime } from '$lib/server/history/format';
import { encodeMessageCursor, MessageFilterError, parseMessageFilters } from '$lib/server/console/message-filters';
import { listMessages } from '$lib/server/console/messages';
import { loadRecipient, recipientSummary } from '$lib/server/console/recipient';
import { retryCheck } from '$lib/server/console/retry';
import { retryOneAction } from '$lib/server/console/retry-actions';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERDICT_LABELS = { delivered: 'Delivered', failed: 'Failed', scheduled: 'Scheduled', not_sent: 'Not sent', in_progress: 'In progress' } as const;

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const raw = event.params.kind;
	if ((raw !== 'user' && raw !== 'contact') || !UUID.test(event.params.id)) error(404, 'No such recipient in this workspace');
	const kind: 'user' | 'contact' = raw;
	const timeZone = await viewerTimeZone(ctx);
	const only = new URLSearchParams();
	const cursor = event.url.searchParams.get('cursor');
	if (cursor) only.set('cursor', cursor);
	let filters;
	try {
		filters = { ...parseMessageFilters(only, { timeZone, defaultCountry: ctx.organization.defaultCountry }), recipient: { kind, id: event.params.id } };
	} catch (e) {
		if (e instanceof MessageFilterError) error(400, e.message);
		throw e;
	}
	const result = await db().asUser(ctx.claims, async (tx) => {
		const recipient = await loadRecipient(tx, ctx.organization.id, kind, event.params.id, { showNumbers: ctx.can.operate });
		if (!recipient) return null;
		const page = await listMessages(tx, ctx.organization.id, filters, { showNumbers: ctx.can.operate });
		// Retry buttons for operators: which failed rows the database would retry.
		const failedIds = page.rows.filter((r) => r.verdict === 'failed').map((r) => r.id);
		const retryable = ctx.can.operate ? await retryCheck(tx, ctx.organization.id, failedIds) : new Map<string, string | null>();
		return { recipient, summary: await recipientSummary(tx, ctx.organization.id, recipient), page, retryable };
	});
	if (!result) error(404, 'No such recipient in this workspace');
	return {
		timeZone,
		recipient: result.recipient,
		summary: result.summary,
		next: result.page.next ? encodeMessageCursor(result.page.next) : null,
		rows: result.page.rows.map((r) => ({
			...r,
			time: formatTime(new Date(r.createdAt), timeZone),
			verdictLabel: VERDICT_LABELS[r.verdict],
			error: r.errorCode !== null ? explainError(r.errorCode) : null,
			retryable: result.retryable.has(r.id) && result.retryable.get(r.id) === null
		}))
	};
};

export const actions: Actions = {
	retry: retryOneAction
};
