import { error } from '@sveltejs/kit';
import { explainError } from '@sms/twilio-service';
import { db } from '$lib/server/db';
import { formatTime } from '$lib/server/history/format';
import { messageDetail } from '$lib/server/console/message-detail';
import { viewerTimeZone } from '$lib/server/console/viewer';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	if (!UUID.test(event.params.id)) error(404, 'No such text in this workspace');
	const timeZone = await viewerTimeZone(ctx);
	const detail = await db().asUser(ctx.claims, (tx) =>
		messageDetail(tx, ctx.organization.id, event.params.id, { showNumbers: ctx.can.operate })
	);
	if (!detail) error(404, 'No such text in this workspace');
	const code = detail.message.error_code;
	return {
		timeZone,
		message: detail.message,
		explanation: typeof code === 'number' ? explainError(code) : null,
		events: detail.events.map((e) => ({ ...e, time: formatTime(new Date(e.receivedAt), timeZone) }))
	};
};
