import { fail, redirect } from '@sveltejs/kit';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { uniqueViolation } from '$lib/server/workspaces/db-errors';
import { MAX_CONTACT_DAILY_LIMIT, parseSettingsForm, settingsFormValues } from '$lib/server/workspaces/settings-form';
import { saveSettings, settingsDiff, settingsOf } from '$lib/server/workspaces/settings';
import { countryOptions } from '$lib/countries';
import { timeZoneOptions } from '$lib/time-zones';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	return {
		settings: settingsOf(ctx.organization),
		countries: countryOptions(),
		timeZones: timeZoneOptions(),
		maxContactDailyLimit: MAX_CONTACT_DAILY_LIMIT,
		saved: event.url.searchParams.has('saved')
	};
};

export const actions: Actions = {
	save: async (event) => {
		const form = await event.request.formData();
		const values = settingsFormValues(form);
		const result = await workspaceAction(event, { action: 'save', minRole: 'admin', values }, async ({ ctx, tx, audit }) => {
			const parsed = parseSettingsForm(values);
			if (!parsed.ok) return fail(400, { action: 'save', errors: parsed.errors, values });
			const before = settingsOf(ctx.organization);
			const diff = settingsDiff(before, parsed.settings);
			if (Object.keys(diff.after).length === 0) return { slug: before.slug, message: 'Nothing changed.' };
			try {
				await saveSettings(tx, { organizationId: ctx.organization.id, settings: parsed.settings });
			} catch (e) {
				if (uniqueViolation(e) === null) throw e;
				return fail(409, { action: 'save', errors: { slug: 'Another workspace already uses this slug; choose another.' }, values });
			}
			await audit({ action: 'settings.update', targetType: 'organization', targetId: ctx.organization.id, ...diff });
			return { slug: parsed.settings.slug, message: 'Settings saved.' };
		});
		// A new slug moves the workspace: follow it.
		if ('slug' in result && result.slug !== event.params.slug) redirect(303, `/w/${result.slug}/settings?saved`);
		return result;
	}
};
