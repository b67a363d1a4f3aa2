import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { API_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '$lib/server/integrations/api-keys';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

// Owners and admins only: operators and viewers get 403 here, and no link to it.
export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	const keys = await db().asUser(ctx.claims, (tx) => listApiKeys(tx, ctx.organization.id));
	return { keys, scopes: API_SCOPES };
};

const createSchema = z.object({
	name: z.string().trim().min(1, 'Give the key a name, e.g. "reminders service".').max(100, 'Use at most 100 characters.'),
	scopes: z.array(z.enum(API_SCOPES)).min(1, 'Choose one or more scopes.'),
	rate: z.coerce
		.number({ message: 'Enter a number of requests a second.' })
		.int('Enter a whole number.')
		.min(1, 'At least 1 request a second.')
		.max(1000, 'At most 1000 requests a second.')
});

export const actions: Actions = {
	create: async (event) => {
		const form = await event.request.formData();
		const values = { name: String(form.get('name') ?? ''), rate: String(form.get('rate') ?? '50') };
		const scopes = form.getAll('scopes').map(String);
		return workspaceAction(event, { action: 'create', minRole: 'admin', field: 'name', values }, async ({ ctx, tx }) => {
			const parsed = createSchema.safeParse({ ...values, scopes });
			if (!parsed.success) {
				const errors: Record<string, string> = {};
				for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
				return fail(400, { action: 'create', errors, values });
			}
			const key = await createApiKey(tx, { organizationId: ctx.organization.id, name: parsed.data.name, scopes: parsed.data.scopes, ratePerSecond: parsed.data.rate });
			return { message: `Key "${parsed.data.name}" created.`, secret: key.secret, prefix: key.prefix };
		});
	},

	revoke: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'revoke', minRole: 'admin' }, async ({ tx }) => {
			const id = z.uuid().safeParse(String(form.get('key') ?? ''));
			if (!id.success) return fail(404, { action: 'revoke', errors: { form: 'That API key no longer exists.' } });
			const key = await revokeApiKey(tx, id.data);
			return { message: `Key "${key.name}" (${key.prefix}…) is revoked; requests with it are refused from now on.` };
		});
	}
};
