import { error } from '@sveltejs/kit';
import { explainError } from '@sms/twilio-service';
import { retryReasonLabel } from '$lib/console/retry-reasons';
import { db } from '$lib/server/db';
import { formatTime } from '$lib/server/history/format';
import { messageDetail } from '$lib/server/console/message-detail';
import { retriesOf, retryCheck } from '$lib/server/console/retry';
import { retryOneAction } from '$lib/server/console/retry-actions';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async (event) => {
	// Reloaded live while open (the workspace's event stream), so a retry is seen turning Delivered.
	event.depends('console:message');
	const ctx = await requireWorkspace(event, 'viewer');
	if (!UUID.test(event.params.id)) error(404, 'No such text in this workspace');
	const timeZone = await viewerTimeZone(ctx);
	const id = event.params.id;
	const found = await db().asUser(ctx.claims, async (tx) => {
		const detail = await messageDetail(tx, ctx.organization.id, id, { showNumbers: ctx.can.operate });
		if (!detail) return null;
		const reason = detail.message.verdict === 'failed' ? ((await retryCheck(tx, ctx.organization.id, [id])).get(id) ?? null) : 'not_failed';
		return { detail, reason, retries: await retriesOf(tx, ctx.organization.id, id) };
	});
	if (!found) error(404, 'No such text in this workspace');
	const { detail } = found;
	const code = detail.message.error_code;
	return {
		timeZone,
		message: detail.message,
		explanation: typeof code === 'number' ? explainError(code) : null,
		events: detail.events.map((e) => ({ ...e, time: formatTime(new Date(e.receivedAt), timeZone) })),
		retry: {
			retryable: found.reason === null,
			reason: found.reason === null || found.reason === 'not_failed' ? null : retryReasonLabel(found.reason),
			retries: found.retries
		}
	};
};

export const actions: Actions = {
	retry: retryOneAction
};
