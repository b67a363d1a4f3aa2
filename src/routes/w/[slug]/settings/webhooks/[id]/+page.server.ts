import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { endpointDeliveries, resendDelivery } from '$lib/server/integrations/webhook-endpoints';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

const STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	const id = z.uuid().safeParse(event.params.id);
	if (!id.success) error(404, 'Not Found');
	const status = z.enum(STATUSES).safeParse(event.url.searchParams.get('status') ?? undefined);
	const before = z.iso.datetime().safeParse(event.url.searchParams.get('before') ?? undefined);
	const page = await db().asUser(ctx.claims, (tx) =>
		endpointDeliveries(tx, {
			organizationId: ctx.organization.id,
			endpointId: id.data,
			status: status.success ? status.data : undefined,
			before: before.success ? before.data : undefined
		})
	);
	if (!page.endpoint) error(404, 'Not Found');
	return { ...page, status: status.success ? status.data : null, statuses: STATUSES };
};

export const actions: Actions = {
	resend: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'resend', minRole: 'admin' }, async ({ tx }) => {
			const id = z.uuid().safeParse(String(form.get('delivery') ?? ''));
			if (!id.success) return fail(404, { action: 'resend', errors: { form: 'That delivery no longer exists.' } });
			await resendDelivery(tx, id.data);
			return { message: 'Queued to be sent again, with the same webhook-id.' };
		});
	}
};
