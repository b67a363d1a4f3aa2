import { error, type RequestEvent } from '@sveltejs/kit';
import { clientIp, recordAction } from '../workspaces/audit.ts';
import type { WorkspaceContext } from '../workspaces/context.ts';
import { MessageFilterError } from './message-filters.ts';

/** The filters of an export, or a 400 naming the one that cannot be used. */
export function exportFilters<F>(parse: () => F): F {
	try {
		return parse();
	} catch (e) {
		if (e instanceof MessageFilterError) error(400, `${e.message}. Fix that filter on the page, then export again.`);
		throw e;
	}
}

/**
 * A streamed CSV download, audited first (who took a copy of what: the view's query string),
 * so a download cut short is still on record.
 */
export async function csvDownload(event: RequestEvent, ctx: WorkspaceContext, o: { what: 'messages' | 'delivery-log'; stream: () => ReadableStream<Uint8Array> }): Promise<Response> {
	const view = new URLSearchParams(event.url.searchParams);
	view.delete('cursor');
	view.delete('page');
	await recordAction({
		organizationId: ctx.organization.id,
		actorId: ctx.userId,
		action: o.what === 'messages' ? 'sms_messages.exported' : 'sms_delivery_events.exported',
		targetType: o.what === 'messages' ? 'sms_message' : 'sms_delivery_event',
		after: { view: view.toString() },
		ip: clientIp(event.getClientAddress)
	});
	const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
	return new Response(o.stream(), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${o.what}-${ctx.organization.slug}-${stamp}.csv"`,
			'cache-control': 'no-store',
			'x-content-type-options': 'nosniff'
		}
	});
}
