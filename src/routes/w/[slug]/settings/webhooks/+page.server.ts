import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { isWebhookEventType } from '@sms/webhooks';
import { db } from '$lib/server/db';
import { checkEndpointUrl } from '$lib/server/integrations/webhook-url';
import { createEndpoint, deleteEndpoint, listEndpoints, WEBHOOK_EVENT_TYPES } from '$lib/server/integrations/webhook-endpoints';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	const endpoints = await db().asUser(ctx.claims, (tx) => listEndpoints(tx, ctx.organization.id));
	return { endpoints, eventTypes: WEBHOOK_EVENT_TYPES };
};

export const actions: Actions = {
	create: async (event) => {
		const form = await event.request.formData();
		const values = { url: String(form.get('url') ?? '').trim(), description: String(form.get('description') ?? '').trim() };
		const events = form.getAll('events').map(String);
		// Checked before the transaction: DNS can be slow and must not hold a connection.
		const urlProblem = values.url ? await checkEndpointUrl(values.url) : 'Enter the URL that should receive the events.';
		return workspaceAction(event, { action: 'create', minRole: 'admin', field: 'url', values }, async ({ ctx, tx }) => {
			const errors: Record<string, string> = {};
			if (urlProblem) errors.url = urlProblem;
			if (events.length === 0 || !events.every(isWebhookEventType)) errors.events = 'Choose one or more events.';
			if (values.description.length > 200) errors.description = 'Use at most 200 characters.';
			if (Object.keys(errors).length) return fail(400, { action: 'create', errors, values });
			const created = await createEndpoint(tx, { organizationId: ctx.organization.id, url: values.url, events, description: values.description });
			return { message: `Endpoint ${values.url} registered.`, secret: created.secret, endpointId: created.id };
		});
	},

	delete: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'delete', minRole: 'admin' }, async ({ tx }) => {
			const id = z.uuid().safeParse(String(form.get('endpoint') ?? ''));
			if (!id.success) return fail(404, { action: 'delete', errors: { form: 'That webhook endpoint no longer exists.' } });
			await deleteEndpoint(tx, id.data);
			return { message: 'The endpoint is deleted; it gets no more events.' };
		});
	}
};
