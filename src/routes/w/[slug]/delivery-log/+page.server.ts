import { db } from '$lib/server/db';
import { formatTime } from '$lib/server/history/format';
import { DELIVERY_LOG_KEYS, parseDeliveryLogFilters } from '$lib/server/console/delivery-log-filters';
import { deliveryLogSummary, eventsOfMessages, listDeliveryEvents } from '$lib/server/console/delivery-log';
import { MessageFilterError } from '$lib/server/console/message-filters';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

const pretty = (payload: unknown) => (payload === null || payload === undefined ? null : JSON.stringify(payload, null, 2));

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const timeZone = await viewerTimeZone(ctx);
	const values = Object.fromEntries(DELIVERY_LOG_KEYS.map((k) => [k, event.url.searchParams.get(k) ?? '']));
	let filters;
	try {
		filters = parseDeliveryLogFilters(event.url.searchParams, { timeZone, defaultCountry: ctx.organization.defaultCountry });
	} catch (e) {
		if (!(e instanceof MessageFilterError)) throw e;
		return { timeZone, values, filterError: { param: e.param, message: e.message }, summary: null, rows: [], page: 1, totalPages: 0 };
	}
	const { summary, rows, events } = await db().asUser(ctx.claims, async (tx) => {
		const rows = await listDeliveryEvents(tx, ctx.organization.id, filters, { showNumbers: ctx.can.operate });
		return {
			rows,
			summary: await deliveryLogSummary(tx, ctx.organization.id, filters),
			events: await eventsOfMessages(tx, ctx.organization.id, rows.map((r) => r.messageId), { showNumbers: ctx.can.operate })
		};
	});
	return {
		timeZone,
		values,
		filterError: null,
		summary,
		page: filters.page,
		totalPages: Math.ceil(summary.total / filters.limit),
		rows: rows.map((r) => ({
			...r,
			payload: pretty(r.payload),
			time: formatTime(new Date(r.receivedAt), timeZone),
			messageEvents: (events.get(r.messageId) ?? []).map((e) => ({ ...e, payload: pretty(e.payload), time: formatTime(new Date(e.receivedAt), timeZone) }))
		}))
	};
};
