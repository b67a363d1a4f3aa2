import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { decodeContactCursor, deleteContact, listContacts } from '$lib/server/workspaces/contacts';
import { parseContactSearch } from '$lib/server/workspaces/contact-search';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const q = (event.url.searchParams.get('q') ?? '').slice(0, 100);
	const tag = (event.url.searchParams.get('tag') ?? '').slice(0, 40) || null;
	const after = decodeContactCursor(event.url.searchParams.get('after'));
	const search = parseContactSearch(q, ctx.organization.defaultCountry);
	const { contacts, next } = await db().asUser(ctx.claims, (tx) => listContacts(tx, { organizationId: ctx.organization.id, search, tag, after }));
	return { q, tag, next, firstPage: after === null, contacts };
};

export const actions: Actions = {
	delete: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'delete', minRole: 'operator' }, async ({ ctx, tx }) => {
			const id = z.uuid().safeParse(String(form.get('id') ?? ''));
			const removed = id.success ? await deleteContact(tx, { organizationId: ctx.organization.id, id: id.data }) : null;
			if (!removed) return fail(404, { action: 'delete', errors: { form: 'That contact no longer exists.' } });
			return { message: `${removed.name} (${removed.phoneNumber}) is deleted.` };
		});
	}
};
