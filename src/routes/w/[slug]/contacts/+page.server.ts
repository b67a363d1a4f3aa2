import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { contactAuditShape, CONTACTS_PAGE_SIZE, deleteContact, listContacts } from '$lib/server/workspaces/contacts';
import { parseContactSearch } from '$lib/server/workspaces/contact-search';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const q = (event.url.searchParams.get('q') ?? '').slice(0, 100);
	const pageParam = Number(event.url.searchParams.get('page') ?? '1');
	const page = Number.isInteger(pageParam) && pageParam >= 1 && pageParam <= 10_000 ? pageParam : 1;
	const search = parseContactSearch(q, ctx.organization.defaultCountry);
	const { contacts, total } = await db().asUser(ctx.claims, (tx) => listContacts(tx, { organizationId: ctx.organization.id, search, page }));
	return { q, page, total, pageSize: CONTACTS_PAGE_SIZE, contacts };
};

export const actions: Actions = {
	delete: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'delete', minRole: 'operator' }, async ({ ctx, tx, audit }) => {
			const id = z.uuid().safeParse(String(form.get('id') ?? ''));
			const removed = id.success ? await deleteContact(tx, { organizationId: ctx.organization.id, id: id.data }) : null;
			if (!removed) return fail(404, { action: 'delete', errors: { form: 'That contact no longer exists.' } });
			await audit({ action: 'contact.delete', targetType: 'contact', targetId: removed.id, before: contactAuditShape(removed) });
			return { message: `${removed.name} (${removed.phoneNumber}) is deleted.` };
		});
	}
};
