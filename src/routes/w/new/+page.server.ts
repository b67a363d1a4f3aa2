import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { clientIp, setRequestIp } from '$lib/server/workspaces/audit';
import { createWorkspace } from '$lib/server/workspaces/create';
import { asWorkspaceError } from '$lib/server/workspaces/db-errors';
import { createWorkspaceSchema } from '$lib/server/workspaces/settings-form';
import { loginUrl } from '$lib/redirect';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (!locals.claims) redirect(303, loginUrl(url));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const { claims } = event.locals;
		if (!claims) redirect(303, loginUrl(event.url));
		const form = await event.request.formData();
		const values = { name: String(form.get('name') ?? ''), slug: String(form.get('slug') ?? '') };
		const parsed = createWorkspaceSchema.safeParse(values);
		if (!parsed.success) {
			const errors: Record<string, string> = {};
			for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
			return fail(400, { values, errors });
		}
		const { name, slug } = parsed.data;
		try {
			await db().asUser(claims, async (tx) => {
				await setRequestIp(tx, clientIp(event.getClientAddress));
				await createWorkspace(tx, { name, slug });
			});
		} catch (e) {
			const known = asWorkspaceError(e);
			if (known) return fail(known.status, { values, errors: { [known.field ?? 'form']: known.message } });
			throw e;
		}
		redirect(303, `/w/${slug}`);
	}
};
