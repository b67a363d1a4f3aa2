import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { decodeContactCursor, forgetContact, listContacts } from '$lib/server/workspaces/contacts';
import { shownClearPhone } from '$lib/server/phones/view';
import { parseContactSearch } from '$lib/server/workspaces/contact-search';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { forgottenMessage } from '$lib/workspaces/forget';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const q = (event.url.searchParams.get('q') ?? '').slice(0, 100);
	const tag = (event.url.searchParams.get('tag') ?? '').slice(0, 40) || null;
	const after = decodeContactCursor(event.url.searchParams.get('after'));
	const search = parseContactSearch(q, ctx.organization.defaultCountry);
	const { contacts, next } = await db().asUser(ctx.claims, (tx) => listContacts(tx, { organizationId: ctx.organization.id, search, tag, after }));
	const shown = contacts.map((c) => ({ ...c, phoneNumber: shownClearPhone(c.phoneNumber, ctx.can.operate) }));
	return { q, tag, next, firstPage: after === null, contacts: shown, forgotten: event.url.searchParams.get('forgotten') === '1' };
};

export const actions: Actions = {
	delete: async (event) => {
		const form = await event.request.formData();
		// Deleting is forgetting (forget_contact): admins and up.
		return workspaceAction(event, { action: 'delete', minRole: 'admin' }, async ({ ctx, tx }) => {
			const id = z.uuid().safeParse(String(form.get('id') ?? ''));
			const gone = id.success ? await forgetContact(tx, { organizationId: ctx.organization.id, id: id.data }) : null;
			if (!gone) return fail(404, { action: 'delete', errors: { form: 'That contact no longer exists.' } });
			return { message: forgottenMessage(gone.contact.name, gone.texts, gone.canceled) };
		});
	}
};
