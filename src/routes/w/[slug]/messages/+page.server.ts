import { explainError } from '@sms/twilio-service';
import { db } from '$lib/server/db';
import { formatTime } from '$lib/server/history/format';
import { encodeMessageCursor, FILTER_KEYS, MessageFilterError, parseMessageFilters } from '$lib/server/console/message-filters';
import { listMessages } from '$lib/server/console/messages';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { retryViewAction } from '$lib/server/console/retry-actions';
import type { Actions, PageServerLoad } from './$types';

const VERDICT_LABELS = { delivered: 'Delivered', failed: 'Failed', scheduled: 'Scheduled', not_sent: 'Not sent', in_progress: 'In progress' } as const;

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = await viewerTimeZone(ctx);
	const values = Object.fromEntries(FILTER_KEYS.map((k) => [k, event.url.searchParams.get(k) ?? '']));
	let filters;
	try {
		filters = parseMessageFilters(event.url.searchParams, { timeZone, defaultCountry: ctx.organization.defaultCountry });
	} catch (e) {
		if (!(e instanceof MessageFilterError)) throw e;
		// A filter we cannot use is shown beside the form; the list is not guessed.
		return { timeZone, values, filterError: { param: e.param, message: e.message }, rows: [], next: null, total: null };
	}
	const page = await db().asUser(ctx.claims, (tx) => listMessages(tx, ctx.organization.id, filters, { showNumbers: ctx.can.operate }));
	return {
		timeZone,
		values,
		filterError: null,
		total: page.total,
		next: page.next ? encodeMessageCursor(page.next) : null,
		rows: page.rows.map((r) => ({
			...r,
			time: formatTime(new Date(r.createdAt), timeZone),
			verdictLabel: VERDICT_LABELS[r.verdict],
			error: r.errorCode !== null ? { code: r.errorCode, title: explainError(r.errorCode).title } : null
		}))
	};
};

export const actions: Actions = {
	previewRetry: (event) => retryViewAction(event, true),
	retryAll: (event) => retryViewAction(event, false)
};
