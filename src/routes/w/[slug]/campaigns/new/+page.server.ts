import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { CampaignApiError, createImport, fromDatabase } from '$lib/server/campaigns/api';
import { firstRow, previewRow } from '$lib/server/campaigns/pages/preview';
import { queueCampaignTest } from '$lib/server/campaigns/pages/test-send';
import { campaignBody, wizardContext } from '$lib/server/campaigns/pages/wizard';
import { db } from '$lib/server/db';
import { smsPricing } from '$lib/server/pricing/app';
import { TestTextError } from '$lib/server/sms/test-text';
import { requireWorkspace, type WorkspaceContext } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'operator');
	const found = await db().asUser(ctx.claims, (tx) => wizardContext(tx, { organizationId: ctx.organization.id, userId: ctx.userId }));
	return { ...found, defaultCountry: ctx.organization.defaultCountry, timeZone: ctx.organization.defaultTimeZone };
};

const INVALID_SHOWN = 20;

const content = z.object({
	importId: z.uuid('Upload the list first.'),
	templateId: z.union([z.uuid(), z.literal('')]).transform((v) => v || null),
	body: z.string().max(1600, 'A message has at most 1,600 characters.').transform((v) => (v.trim() ? v : null))
});

function contentOf(form: FormData) {
	return content.safeParse({ importId: String(form.get('importId') ?? ''), templateId: String(form.get('templateId') ?? ''), body: String(form.get('body') ?? '') });
}

function refusal(action: string, e: unknown) {
	const known = e instanceof CampaignApiError ? e : fromDatabase(e);
	if (!known) throw e;
	return fail(known.status, { action, errors: { [known.field ?? 'form']: known.message } });
}

function bodyFor(ctx: WorkspaceContext, parsed: { templateId: string | null; body: string | null }) {
	return db().asUser(ctx.claims, (tx) => campaignBody(tx, { organizationId: ctx.organization.id, ...parsed }));
}

export const actions: Actions = {
	/** The multipart upload (file + mapping + content) → the validation report; the valid rows are kept as the import. */
	upload: async (event) => {
		const ctx = await requireWorkspace(event, 'operator');
		try {
			const report = await createImport({ db: db(), prices: (countries) => smsPricing().pricesFor(countries) }, ctx, event.request);
			return { action: 'upload', report: { ...report, invalidCount: report.invalid.length, invalid: report.invalid.slice(0, INVALID_SHOWN) } };
		} catch (e) {
			return refusal('upload', e);
		}
	},

	preview: async (event) => {
		const ctx = await requireWorkspace(event, 'operator');
		const form = await event.request.formData();
		const parsed = contentOf(form);
		const row = Number(form.get('row'));
		if (!parsed.success) return fail(400, { action: 'preview', errors: { form: parsed.error.issues[0]?.message ?? 'Upload the list first.' } });
		if (!Number.isInteger(row) || row < 1) return fail(400, { action: 'preview', errors: { row: 'Give a row number (the header is row 1).' } });
		const body = await bodyFor(ctx, parsed.data);
		if (!body) return fail(400, { action: 'preview', errors: { body: 'Choose a template or write the message first.' } });
		const preview = await db().asUser(ctx.claims, (tx) => previewRow(tx, { organizationId: ctx.organization.id, importId: parsed.data.importId, row, ...body, showNumbers: ctx.can.operate }));
		return { action: 'preview', preview };
	},

	/** The first recipient's text, to the operator's own verified phone. */
	test: async (event) => {
		const ctx = await requireWorkspace(event, 'operator');
		const parsed = contentOf(await event.request.formData());
		if (!parsed.success) return fail(400, { action: 'test', errors: { form: 'Upload the list first.' } });
		const body = await bodyFor(ctx, parsed.data);
		if (!body) return fail(400, { action: 'test', errors: { form: 'Choose a template or write the message first.' } });
		const rendered = await db().asUser(ctx.claims, async (tx) => {
			const row = await firstRow(tx, parsed.data.importId);
			return row === null ? null : previewRow(tx, { organizationId: ctx.organization.id, importId: parsed.data.importId, row, ...body, showNumbers: ctx.can.operate });
		});
		if (!rendered?.ok) return fail(400, { action: 'test', errors: { form: rendered?.reason ?? 'The list has no recipient to render.' } });
		try {
			const { messageId } = await queueCampaignTest(db(), { userId: ctx.userId, organizationId: ctx.organization.id, body: rendered.text });
			return { action: 'test', messageId, row: rendered.row };
		} catch (e) {
			if (e instanceof TestTextError) return fail(e.code === 'rate_limited' ? 429 : 400, { action: 'test', errors: { form: e.message } });
			throw e;
		}
	},

	/** Creates the campaign and, unless kept as a draft, starts it (now or at the scheduled time). */
	create: async (event) => {
		const ctx = await requireWorkspace(event, 'operator');
		const form = await event.request.formData();
		const parsed = contentOf(form);
		if (!parsed.success) return fail(400, { action: 'create', errors: { form: 'Upload the list first.' } });
		const name = String(form.get('name') ?? '').trim();
		const throttleText = String(form.get('throttle') ?? '').trim();
		const throttle = throttleText === '' ? null : Number(throttleText);
		const when = String(form.get('when') ?? 'now');
		const at = String(form.get('scheduledAt') ?? '').trim();
		if (throttle !== null && !(Number.isFinite(throttle) && throttle > 0 && throttle <= 500)) {
			return fail(400, { action: 'create', errors: { throttle: 'Texts per second: more than 0, at most 500.' } });
		}
		if (when === 'schedule' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at)) {
			return fail(400, { action: 'create', errors: { scheduledAt: 'Choose the date and time to start.' } });
		}
		let id: string;
		try {
			id = await db().asUser(ctx.claims, async (tx) => {
				const scheduled = when === 'schedule'
					? (await tx<{ t: Date }[]>`select (${at}::timestamp at time zone ${ctx.organization.defaultTimeZone}) as t`)[0]!.t
					: null;
				const [row] = await tx<{ id: string }[]>`
					select public.create_campaign(${ctx.organization.id}, ${parsed.data.importId}, ${parsed.data.templateId}, ${parsed.data.templateId ? null : parsed.data.body},
						${name}, null, ${throttle}, ${scheduled}) as id`;
				return row!.id;
			});
		} catch (e) {
			return refusal('create', e);
		}
		let next = `/w/${ctx.organization.slug}/campaigns/${id}`;
		if (when !== 'draft') {
			try {
				await db().asUser(ctx.claims, (tx) => tx`select public.start_campaign(${id}, false)`);
			} catch (e) {
				const known = fromDatabase(e);
				if (!known) throw e;
				next += `?refused=${encodeURIComponent(known.code)}`;
			}
		}
		redirect(303, next);
	}
};
