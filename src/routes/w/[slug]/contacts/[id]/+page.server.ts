import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { contactFormValues, parseContactForm } from '$lib/server/workspaces/contact-form';
import { contactConflict, contactFormOptions, contactToFormValues } from '$lib/server/workspaces/contact-page';
import { countContactTexts, forgetContact, getContact, updateContact } from '$lib/server/workspaces/contacts';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { shownClearPhone } from '$lib/server/phones/view';
import { uniqueViolation } from '$lib/server/workspaces/db-errors';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const contact = await db().asUser(ctx.claims, (tx) => getContact(tx, { organizationId: ctx.organization.id, id: event.params.id }));
	if (!contact) error(404, 'Not Found');
	const texts = await db().asUser(ctx.claims, (tx) => countContactTexts(tx, { organizationId: ctx.organization.id, id: contact.id }));
	const zone = ctx.organization.defaultTimeZone;
	// The number in full only for members allowed to see numbers (operators and up edit it too).
	const phoneNumber = shownClearPhone(contact.phoneNumber, ctx.can.operate);
	const values = contactToFormValues(contact, zone, ctx.organization.defaultCountry);
	return {
		contact: { ...contact, phoneNumber },
		texts,
		values: ctx.can.operate ? values : { ...values, phone: phoneNumber },
		...contactFormOptions(),
		zone,
		saved: event.url.searchParams.get('saved')
	};
};

export const actions: Actions = {
	save: async (event) => {
		const form = await event.request.formData();
		const values = contactFormValues(form);
		return workspaceAction(event, { action: 'save', minRole: 'operator', values: { ...values } }, async ({ ctx, tx }) => {
			const parsed = parseContactForm(values, { zone: ctx.organization.defaultTimeZone });
			if (!parsed.ok) return fail(400, { action: 'save', errors: parsed.errors, values: { ...values } });
			const before = await getContact(tx, { organizationId: ctx.organization.id, id: event.params.id });
			if (!before) return fail(404, { action: 'save', errors: { form: 'This contact was deleted meanwhile.' } });
			try {
				const after = await updateContact(tx, { organizationId: ctx.organization.id, id: before.id, contact: parsed.contact });
				return { message: 'Saved.' };
			} catch (e) {
				const constraint = uniqueViolation(e);
				if (constraint === null) throw e;
				const { field, message } = contactConflict(constraint);
				return fail(409, { action: 'save', errors: { [field]: message }, values: { ...values } });
			}
		});
	},

	delete: async (event) => {
		// Deleting is forgetting (forget_contact): admins and up.
		const result = await workspaceAction(event, { action: 'delete', minRole: 'admin' }, async ({ ctx, tx }) => {
			const gone = await forgetContact(tx, { organizationId: ctx.organization.id, id: event.params.id });
			if (!gone) return fail(404, { action: 'delete', errors: { form: 'That contact no longer exists.' } });
			return { deleted: true };
		});
		if ('deleted' in result) redirect(303, `/w/${event.params.slug}/contacts?forgotten=1`);
		return result;
	}
};
