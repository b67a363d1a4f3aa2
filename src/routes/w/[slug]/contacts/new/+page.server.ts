import { fail, redirect } from '@sveltejs/kit';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { contactFormValues, parseContactForm } from '$lib/server/workspaces/contact-form';
import { contactConflict, contactFormOptions } from '$lib/server/workspaces/contact-page';
import { insertContact } from '$lib/server/workspaces/contacts';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { uniqueViolation } from '$lib/server/workspaces/db-errors';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'operator');
	return { ...contactFormOptions(), zone: ctx.organization.defaultTimeZone, country: ctx.organization.defaultCountry };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const values = contactFormValues(form);
		const result = await workspaceAction(event, { action: 'create', minRole: 'operator', values: { ...values } }, async ({ ctx, tx }) => {
			const parsed = parseContactForm(values, { zone: ctx.organization.defaultTimeZone });
			if (!parsed.ok) return fail(400, { action: 'create', errors: parsed.errors, values: { ...values } });
			try {
				const contact = await insertContact(tx, { organizationId: ctx.organization.id, contact: parsed.contact });
				return { id: contact.id, name: contact.name };
			} catch (e) {
				const constraint = uniqueViolation(e);
				if (constraint === null) throw e;
				const { field, message } = contactConflict(constraint);
				return fail(409, { action: 'create', errors: { [field]: message }, values: { ...values } });
			}
		});
		if ('id' in result) redirect(303, `/w/${event.params.slug}/contacts/${result.id}?saved=added`);
		return result;
	}
};
