import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { parseSettingsForm, settingsFormValues } from '$lib/server/workspaces/settings-form';
import { changedSettings, saveSettings, settingsOf } from '$lib/server/workspaces/settings';
import { deleteWorkspace, workspaceFootprint } from '$lib/server/workspaces/delete';
import { countryOptions } from '$lib/countries';
import { timeZoneOptions } from '$lib/time-zones';
import type { Actions, PageServerLoad } from './$types';

async function maxDailyLimit(): Promise<number> {
	const [row] = await db().service<{ max: number }[]>`select public.sms_max_daily_limit() as max`;
	return row.max;
}

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'admin');
	// Only owners may delete, so only they are shown what it would take.
	const footprint = ctx.can.own ? await db().asUser(ctx.claims, (tx) => workspaceFootprint(tx, ctx.organization.id)) : null;
	return {
		footprint,
		settings: settingsOf(ctx.organization),
		countries: countryOptions(),
		timeZones: timeZoneOptions(),
		maxContactDailyLimit: await maxDailyLimit(),
		saved: event.url.searchParams.has('saved')
	};
};

export const actions: Actions = {
	save: async (event) => {
		const form = await event.request.formData();
		const values = settingsFormValues(form);
		const max = await maxDailyLimit();
		const result = await workspaceAction(event, { action: 'save', minRole: 'admin', values }, async ({ ctx, tx }) => {
			const before = settingsOf(ctx.organization);
			// The spend cap is the owner's to set; an admin's form shows it without sending it.
			if (!ctx.can.own) values.monthlySpendCap = before.monthlySpendCap ?? '';
			const parsed = parseSettingsForm(values, { maxDailyLimit: max });
			if (!parsed.ok) return fail(400, { action: 'save', errors: parsed.errors, values });
			const changes = changedSettings(before, parsed.settings);
			if (Object.keys(changes).length === 0) return { slug: before.slug, message: 'Nothing changed.' };
			await saveSettings(tx, { organizationId: ctx.organization.id, changes });
			return { slug: parsed.settings.slug, message: 'Settings saved.' };
		});
		// A new slug moves the workspace: follow it.
		if ('slug' in result && result.slug !== event.params.slug) redirect(303, `/w/${result.slug}/settings?saved`);
		return result;
	},
	delete: async (event) => {
		const form = await event.request.formData();
		const confirmSlug = String(form.get('confirmSlug') ?? '').trim();
		const result = await workspaceAction(
			event,
			{ action: 'delete', minRole: 'owner', field: 'confirmSlug', values: { confirmSlug } },
			async ({ ctx, tx }) => {
				await deleteWorkspace(tx, ctx.organization.id, confirmSlug);
				return { name: ctx.organization.name };
			}
		);
		if ('name' in result) redirect(303, `/w?deleted=${encodeURIComponent(String(result.name))}`);
		return result;
	}
};
